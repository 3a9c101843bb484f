#!/usr/bin/env bash
# Build the auto-sklearn 0.15 environment (a venv) from PyPI on CPython 3.11.
#   envs/autosklearn-venv.sh VENV_DIR
# auto-sklearn 0.15 needs scikit-learn 0.24 and numpy 1.x, which cannot share the main environment
# (current TensorFlow, numpy 2). Neither scikit-learn 0.24.2 nor ConfigSpace 0.4 / pyrfr 0.8 has a
# wheel for 3.11, so they are built from source in this order (docs/autosklearn.md has the why).
# Only the regression rule uses this environment; its code imports nothing from TensorFlow.
set -euo pipefail
VENV=${1:?usage: $0 VENV_DIR}
case $VENV in /*) ;; *) VENV=$PWD/$VENV ;; esac   # absolute: builds run in temporary folders
HERE=$(cd "$(dirname "$0")" && pwd)
CONSTRAINTS=$HERE/autosklearn-constraints.txt
PY=${PYTHON:-python3}
# No debug symbols (the default -g makes the C builds much slower) and both cores for scikit-learn.
export CFLAGS="${CFLAGS:-} -g0" CXXFLAGS="${CXXFLAGS:-} -g0"
T0=$(date +%s)
step() { echo "[autosklearn-venv $(( $(date +%s) - T0 ))s] $*"; }

$PY -m venv "$VENV"
PIP="$VENV/bin/pip --disable-pip-version-check --quiet"
export PATH=$VENV/bin:$PATH   # swig from its PyPI wheel must be found by the pyrfr build
step "build tools and numpy 1.x"
$PIP install -c "$CONSTRAINTS" numpy scipy "Cython<3" wheel "setuptools<66"
step "scikit-learn 0.24.2 from source (about 5 minutes on 2 cores; pip caches the wheel)"
SKLEARN_BUILD_PARALLEL=$(nproc) SETUPTOOLS_USE_DISTUTILS=stdlib \
  $PIP install --no-build-isolation -c "$CONSTRAINTS" scikit-learn
step "ConfigSpace and pyrfr, built side by side (pyrfr with swig from PyPI)"
$PIP install -c "$CONSTRAINTS" swig pyparsing typing_extensions
$PIP install --no-build-isolation --no-deps -c "$CONSTRAINTS" ConfigSpace &
CONFIGSPACE=$!
$PIP install --no-build-isolation --no-deps -c "$CONSTRAINTS" pyrfr
wait $CONFIGSPACE
step "auto-sklearn 0.15.0"
$PIP install --no-build-isolation -c "$CONSTRAINTS" auto-sklearn
step "readers for the features and the config"
$PIP install -c "$CONSTRAINTS" h5py pandas pyyaml jsonschema

# numpy >= 1.20 deprecations that auto-sklearn turns into crashed configurations. Each patch must
# apply: a changed upstream file stops the build instead of leaving a silently broken environment.
SP=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
patch_file() {  # patch_file FILE SED_EXPR WANTED_AFTER
  local file=$SP/$1
  sed -i -E "$2" "$file"
  grep -q -- "$3" "$file" || { echo "patch did not apply to $file" >&2; exit 1; }
}
patch_file sklearn/preprocessing/_data.py 's/np\.warnings\./warnings./g' 'warnings.catch_warnings'
grep -q 'np\.warnings' "$SP/sklearn/preprocessing/_data.py" && { echo "np.warnings left" >&2; exit 1; }
patch_file sklearn/decomposition/_kernel_pca.py \
  's/eigvals=\(K\.shape\[0\] - n_components, K\.shape\[0\] - 1\)/subset_by_index=(K.shape[0] - n_components, K.shape[0] - 1)/' \
  'subset_by_index='
for f in smac/epm/rfr_imputator.py smac/initial_design/initial_design.py; do
  sed -i -E 's/dtype=np\.float\)/dtype=float)/g; s/dtype=np\.int\)/dtype=int)/g' "$SP/$f"
  if grep -qE 'np\.(float|int)\)' "$SP/$f"; then echo "np.float/np.int left in $f" >&2; exit 1; fi
done
"$VENV/bin/python" -c 'import autosklearn, sklearn, numpy; print("auto-sklearn", autosklearn.__version__, "scikit-learn", sklearn.__version__, "numpy", numpy.__version__)'
step "done"
