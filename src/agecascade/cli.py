"""`agecascade` command line: apply a trained model to photos, describe a model.

    agecascade predict photos/ me.jpg --model results/models/vgg16/imdb-agedb.keras --annotate out/
    agecascade info results/models/vgg16/imdb-agedb.keras
    agecascade export results/models/vgg16/imdb-agedb.keras age.onnx --format onnx

Exit codes: 0 when at least one photo was processed (files that could not be are reported on
stderr), 1 when none could be, 2 for a model file that cannot be used, bad arguments, or an output
that would overwrite an input photo or an existing file (checked before anything is loaded), 3 when
an output could not be written (a full disk: the CSV keeps its whole rows, no partial file is left).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import tempfile
from pathlib import Path


def _parser() -> argparse.ArgumentParser:
    from agecascade.config import dataset_default, schema_default

    DEFAULT_MARGIN = schema_default("margin")  # noqa: N806
    DEFAULT_MIN_CONFIDENCE = dataset_default("min_confidence")  # noqa: N806
    from agecascade.inference import DEFAULT_BATCH_SIZE
    parser = argparse.ArgumentParser(prog="agecascade", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    predict = commands.add_parser("predict", help="predict the age of every face in photos")
    predict.add_argument("paths", nargs="*", help="picture files and/or folders (searched recursively)")
    predict.add_argument("--from-list", metavar="FILE",
                         help="also read picture paths from FILE, one per line ('-': standard input)")
    predict.add_argument("--model", "-m", required=True, help="a .keras model written by the workflow")
    predict.add_argument("--format", choices=("csv", "json"), default="csv",
                         help="output table format (csv is written as it goes; json at the end)")
    predict.add_argument("--output", "-o", default="-", help="output file (default: stdout)")
    predict.add_argument("--annotate", metavar="DIR", help="write copies of the photos with boxes and ages")
    predict.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE,
                         help=f"faces per model call (default {DEFAULT_BATCH_SIZE}: memory under 1.5 GB with a "
                         "224-px VGG16; more is faster on a GPU)")
    predict.add_argument("--margin", type=float, default=None,
                         help=f"crop margin around the face (default: the model's, else {DEFAULT_MARGIN} "
                         "as in the study)")
    predict.add_argument("--min-confidence", type=float, default=DEFAULT_MIN_CONFIDENCE,
                         help=f"MTCNN confidence threshold (default {DEFAULT_MIN_CONFIDENCE}, as the workflow's)")
    predict.add_argument("--uncalibrated", action="store_true",
                         help="the interval and probabilities of the model's own distribution, not at the "
                              "temperature fitted on its validation faces (the temperature column says which)")
    predict.add_argument("--probabilities", action="store_true",
                         help="add the whole age distribution: one p_<age> column per class")
    predict.add_argument("--no-progress", action="store_true", help="no progress bar")
    predict.add_argument("--force", action="store_true",
                         help="replace an existing output file or annotated copies (never an input photo)")

    info = commands.add_parser("info", help="describe a trained model")
    info.add_argument("model", help="a .keras model written by the workflow")

    export = commands.add_parser("export", help="write a model that runs without agecascade (SavedModel, ONNX)")
    export.add_argument("model", help="a .keras model written by the workflow")
    export.add_argument("output", help="the SavedModel folder or the .onnx file to write")
    export.add_argument("--format", choices=("savedmodel", "onnx"), required=True)
    export.add_argument("--force", action="store_true", help="replace an existing output")
    return parser


def _read_list(source: str) -> list[str]:
    """Picture paths from a list file or standard input ('-'): one per line, blank lines ignored."""
    handle = sys.stdin if source == "-" else open(source)
    try:
        return [line.strip() for line in handle if line.strip()]
    finally:
        if handle is not sys.stdin:
            handle.close()


def _quiet_tensorflow() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def tensorflow_log() -> Path:
    """Where TensorFlow's own start-up lines go (`AGECASCADE_TENSORFLOW_LOG`, or a file of the
    user's in the temporary folder)."""
    default = Path(tempfile.gettempdir()) / f"agecascade-{os.getuid()}-tensorflow.log"
    return Path(os.environ.get("AGECASCADE_TENSORFLOW_LOG", default))


@contextlib.contextmanager
def tensorflow_lines_to_log():
    """Send what TensorFlow's C++ runtime writes to the process' stderr (absl's "All log messages
    before absl::InitializeLog()", the oneDNN notice, ...) to `tensorflow_log()`, while Python's
    `sys.stderr` (our lines, tracebacks) stays on the terminal. Numerics are not touched. Only
    when `sys.stderr` is the process' own (a caller that captured it is left alone)."""
    try:
        own = sys.stderr.fileno() == 2
    except (AttributeError, OSError, ValueError):
        own = False
    if not own:
        yield
        return
    sys.stderr.flush()
    terminal, python_stderr = os.dup(2), sys.stderr
    with open(tensorflow_log(), "a") as log:
        os.dup2(log.fileno(), 2)
    sys.stderr = os.fdopen(os.dup(terminal), "w", buffering=1)
    try:
        yield
    finally:
        sys.stderr.flush()
        sys.stderr = python_stderr
        os.dup2(terminal, 2)
        os.close(terminal)


def _export(args) -> int:
    from agecascade.export import ExportError, export_model
    from agecascade.models.files import ModelFileError, to_json

    from agecascade.outputs import OutputWriteError

    try:
        print(to_json(export_model(args.model, args.format, args.output, args.force)))
    except (FileNotFoundError, ModelFileError, ExportError) as error:
        print(f"agecascade export: {error}", file=sys.stderr)
        return 2
    except OutputWriteError as error:  # a full disk: the staging copy is removed
        print(f"agecascade export: {error}", file=sys.stderr)
        return 3
    return 0


def _info(args) -> int:
    from agecascade.models.files import ModelFileError, model_info, to_json

    try:
        print(to_json(model_info(args.model)))
    except (FileNotFoundError, ModelFileError) as error:
        print(f"agecascade info: {error}", file=sys.stderr)
        return 2
    return 0


def _predictor(args):
    """(photo paths, the loaded predictor) after every argument and output location is checked:
    nothing is loaded or processed for a bad call."""
    from agecascade.inference import AgePredictor, check_arguments, check_outputs

    paths = list(args.paths) + (_read_list(args.from_list) if args.from_list else [])
    if not paths:
        raise ValueError("no photos given: name files or folders, or --from-list FILE")
    check_arguments(args.margin, args.min_confidence, args.batch_size)
    check_outputs(paths, args.output, args.annotate, args.force)
    return paths, AgePredictor(args.model, args.margin, args.min_confidence, args.batch_size, args.probabilities,
                               args.uncalibrated)


class _Stdout:
    """Standard output with `RowWriter`'s interface."""

    faces = 0

    def write(self, table):
        table.to_csv(sys.stdout, index=False, header=self.faces == 0)
        sys.stdout.flush()
        self.faces += len(table)

    def close(self):
        pass


def _predict_csv(args, predictor, paths, progress) -> tuple:
    """Rows are written as their batch is predicted: a killed run keeps them (`RowWriter`)."""
    from agecascade.outputs import RowWriter

    out = _Stdout() if args.output == "-" else RowWriter(args.output, replace=args.force)
    try:
        result = predictor.predict(paths, progress=progress, annotate_dir=args.annotate, force=args.force,
                                   on_rows=out.write)
        if not out.faces:
            out.write(result.faces)  # the header alone
    finally:
        out.close()
    return result, out.faces


def _predict_json(args, predictor, paths, progress) -> tuple:
    """The table is written whole at the end; a file output is claimed at the start, so a second
    run writing the same file is refused before it predicts anything (`outputs.claimed`)."""
    from agecascade.outputs import claimed, write_text

    if args.output == "-":
        result = predictor.predict(paths, progress=progress, annotate_dir=args.annotate, force=args.force)
        text = result.faces.to_json(orient="records", indent=2)
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return result, len(result.faces)
    with claimed(args.output, replace=args.force):
        result = predictor.predict(paths, progress=progress, annotate_dir=args.annotate, force=args.force)
        write_text(args.output, result.faces.to_json(orient="records", indent=2))
    return result, len(result.faces)


def _predict(args) -> int:
    from agecascade.inference import OutputError
    from agecascade.models.files import ModelFileError

    try:
        paths, predictor = _predictor(args)
    except (FileNotFoundError, ModelFileError, OutputError, ValueError) as error:
        print(f"agecascade predict: {error}", file=sys.stderr)
        return 2
    progress = False if args.no_progress or args.from_list == "-" else None
    run = _predict_csv if args.format == "csv" else _predict_json
    try:
        result, count = run(args, predictor, paths, progress)
    except FileExistsError as error:  # another run created the output since the check
        print(f"agecascade predict: {error}", file=sys.stderr)
        return 2
    except OSError as error:  # a full disk, a vanished folder: what was whole is kept
        print(f"agecascade predict: an output could not be written: {error}", file=sys.stderr)
        return 3
    print(f"agecascade predict: {count} face(s) in {result.processed} photo(s); "
          f"{len(result.problems)} file(s) skipped", file=sys.stderr)
    for problem in result.problems:
        print(f"  skipped {problem}", file=sys.stderr)
    return 0 if result.processed else 1


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    _quiet_tensorflow()
    with tensorflow_lines_to_log():
        logging.basicConfig(level=logging.WARNING, format="agecascade: %(message)s")
        try:
            return {"export": _export, "info": _info, "predict": _predict}[args.command](args)
        except BrokenPipeError:  # `agecascade info model.keras | head -1`: the reader left
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())  # Python's own flush at exit must not fail again
            print(f"agecascade {args.command}: the output pipe was closed before everything was written",
                  file=sys.stderr)
            return 3


if __name__ == "__main__":
    sys.exit(main())
