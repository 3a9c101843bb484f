import yaml


def _pins(lines):
    """{normalised name: version} of `name==version` lines."""
    return {line.split("==")[0].split("[")[0].lower().replace("_", "-"): line.split("==")[1] for line in lines if "==" in line}


def test_conda_env_pins_match_requirements(repo):
    requirements = _pins(l.strip() for l in (repo / "requirements.txt").read_text().splitlines() if l.strip())
    env = yaml.safe_load((repo / "envs" / "main.yaml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    pinned = _pins(pip)
    # the cluster env takes TensorFlow's CUDA build of the same version
    assert pinned.pop("tensorflow") == requirements.pop("tensorflow-cpu")
    assert pinned == requirements
