"""Run the official Keras 3 developer guides against nerve, with only their imports changed.

The guides are not copied here: pass the keras-io checkout's guide files (``guides/*.py`` of
https://github.com/keras-team/keras-io) on the command line::

    python examples/keras_guides/run_guides.py path/to/keras-io/guides/{sequential_model,functional_api,...}.py

Each guide is split into its code sections (the code between the guide's prose blocks, which
are module-level strings), and the sections run in order in one namespace, as in the guide's
notebook, in a scratch folder. The only change to the guide's code is the import lines:
``import keras`` -> ``import nerve as keras``, ``from keras import X`` -> ``from nerve import X``
(``from tensorflow import keras`` and the Keras 3 preview's ``keras_core`` likewise), and the
TensorFlow imports (``tf``, ``tfds``, ``tf_data``) are tried, not required: only the sections that
use them need them. A section that fails is classed by what it needs:
TensorFlow (``tf.``), tf.data, recurrent layers or masking, the ImageNet architectures of
``keras.applications``, a download, or nothing of those ("nerve": a gap to fix); a section that
fails only because an earlier one did is counted as such; the guide's own NumPy 2 breakages
(``np.Inf``) are counted apart. Prints a table and writes ``--json`` when asked.

Which guide files: keras-io's Keras 3 guides. Its ``guides/keras_core/`` folder holds them as first
published for Keras 3 (imports spelled ``keras_core``, rewritten like ``keras``).
"""

import argparse
import ast
import contextlib
import io
import json
import os
import re
import signal
import sys
import tempfile
import time
import traceback

_NEEDS = [
    ("tf.data", re.compile(r"\btf\.data\b|\.from_tensor_slices\b")),
    ("recurrent/masking", re.compile(r"\b(LSTM|GRU|SimpleRNN|RNN|Bidirectional|Masking|mask_zero|compute_mask|"
                                     r"_keras_mask|supports_masking|ConvLSTM\w*)\b")),
    ("ImageNet architectures", re.compile(r"keras\.applications\.\w+\(|applications\.(Xception|VGG\d+|ResNet\w*|"
                                          r"MobileNet\w*|EfficientNet\w*|Inception\w*|DenseNet\w*)")),
    ("download", re.compile(r"\btfds\.|get_file\(|tensorflow_datasets")),
    ("TensorFlow", re.compile(r"\btf\.|\btensorflow\b")),
]


def rewrite_imports(source):
    """The guide's code with its keras imports pointed at nerve (nothing else changes)."""
    lines = []
    for line in source.splitlines():
        if (re.match(r"^\s*import tensorflow\w*( as \w+)?\s*$", line)         # tf, tfds: the sections
                or re.match(r"^\s*from tensorflow import (?!keras)", line)):    # that use them need them
            indent = line[:len(line) - len(line.lstrip())]
            line = f"{indent}try:\n{indent}    {line.strip()}\n{indent}except ImportError:\n{indent}    pass"
        elif re.match(r"^\s*from tensorflow import keras\b", line):
            line = re.sub(r"from tensorflow import keras", "import nerve as keras", line)
        elif re.match(r"^\s*import keras(_core as keras)?\s*(#.*)?$", line):
            line = re.sub(r"import keras(_core as keras)?", "import nerve as keras", line, count=1)
        else:
            line = re.sub(r"^(\s*)from (?:tensorflow\.)?keras(?:_core)?((?:\.\w+)*) import ", r"\1from nerve\2 import ",
                          line)
        lines.append(line)
    return "\n".join(lines)


def sections(path):
    """The guide's code sections: ``[(first line, source)]``, split at its module-level strings."""
    source = open(path, encoding="utf8").read()
    tree = ast.parse(source)
    lines = source.splitlines()
    found, current = [], []
    for node in tree.body:
        prose = isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
        if prose:
            if current:
                found.append(current)
            current = []
        else:
            current.append(node)
    if current:
        found.append(current)
    result = []
    for nodes in found:
        start = min(getattr(n, "decorator_list", None) and n.decorator_list[0].lineno or n.lineno for n in nodes)
        end = nodes[-1].end_lineno
        result.append((start, "\n".join(lines[start - 1:end])))
    return result


def classify(source, error, earlier_failed):
    """What a failed section needs (see the module docstring); "nerve" when it needs nothing else."""
    if "was removed in the NumPy 2.0 release" in str(error):
        return "NumPy 2 (the guide's own code)"
    for label, pattern in _NEEDS:
        if pattern.search(source):
            return label
    if earlier_failed and isinstance(error, NameError):
        return "after an earlier failure"
    return "nerve"


class _Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise _Timeout("section timed out")


def run_guide(path, timeout):
    namespace = {"__name__": "__main__"}
    results, failed_before = [], False
    for start, source in sections(path):
        code = rewrite_imports(source)
        output = io.StringIO()
        began = time.time()
        signal.signal(signal.SIGALRM, _alarm)
        signal.alarm(timeout)
        try:
            with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
                exec(compile(code, f"{os.path.basename(path)}:{start}", "exec"), namespace)
            status, detail = "ran", ""
        except BaseException as err:           # noqa: BLE001 (a guide's section may raise anything)
            if isinstance(err, KeyboardInterrupt):
                raise
            status = classify(source, err, failed_before)
            detail = "".join(traceback.format_exception_only(type(err), err)).strip().splitlines()[-1][:300]
            failed_before = True
        finally:
            signal.alarm(0)
        results.append({"line": start, "status": status, "seconds": round(time.time() - began, 2),
                        "error": detail})
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("guides", nargs="+", help="guide .py files of keras-io")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per section")
    parser.add_argument("--json", help="write the per-section results here")
    args = parser.parse_args(argv)
    paths = [os.path.abspath(p) for p in args.guides]
    report = {}
    with tempfile.TemporaryDirectory() as scratch:
        here = os.getcwd()
        os.chdir(scratch)
        try:
            for path in paths:
                report[os.path.basename(path)] = run_guide(path, args.timeout)
                print(_summary_line(os.path.basename(path), report[os.path.basename(path)]), flush=True)
        finally:
            os.chdir(here)
    everything = [r for results in report.values() for r in results]
    print(_summary_line("all guides", everything))
    for name, results in report.items():
        for r in results:
            if r["status"] != "ran":
                print(f"  {name}:{r['line']}: {r['status']}: {r['error']}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)
    return 0


def _summary_line(name, results):
    counts = {}
    for r in results:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    ran = counts.pop("ran", 0)
    rest = ", ".join(f"{n} {label}" for label, n in sorted(counts.items()))
    return f"{name}: {ran}/{len(results)} sections ran" + (f"; failed: {rest}" if rest else "")


if __name__ == "__main__":
    sys.exit(main())
