"""Progbar: Keras's progress bar.

``verbose=1``, on a terminal::

    120/469 ━━━━━ ━━━━━━━━━━━━━━━ 2s 6ms/step - accuracy: 0.8312 - loss: 0.5521

redrawn in place at most every ``interval`` seconds. Off a terminal (a log file, CI, ``nohup``)
there is no redrawing: a line every ``LOG_INTERVAL`` seconds at most, and the final one, so an
epoch of 800 steps writes one line, not 800. ``verbose=2`` prints one line when the bar is
finalized::

    469/469 - 3s - 6ms/step - accuracy: 0.9011 - loss: 0.3372
"""

import math
import sys
import time

LOG_INTERVAL = 10.0     # seconds between two progress lines when the output is not a terminal


class Progbar:
    """A progress bar over ``target`` steps (None when unknown).

    Args:
        target: the number of steps, or None.
        width: the bar's width in characters.
        verbose: 0 silent, 1 bar, 2 one line at the end.
        interval: the least time between two redraws on a terminal, in seconds (elsewhere
            ``LOG_INTERVAL``).
        stateful_metrics: names whose values are shown as given; the others are averaged over
            the steps seen.
        unit_name: what a step is called ("step").
    """

    def __init__(self, target, width=20, verbose=1, interval=0.05, stateful_metrics=None, unit_name="step"):
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self.stateful_metrics = set(stateful_metrics or ())
        stream = sys.stdout
        self._dynamic_display = (hasattr(stream, "isatty") and stream.isatty()) or "ipykernel" in sys.modules
        self._values = {}
        self._values_order = []
        self._start = time.time()
        self._last_update = self._start     # off a terminal the first line waits an interval too
        self._time_after_first_step = None
        self._seen_so_far = 0
        self._prev_width = 0

    def update(self, current, values=None, finalize=None):
        """Move the bar to step ``current``, recording ``values`` (a list of (name, value))."""
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        for name, value in values or ():
            if name not in self._values_order:
                self._values_order.append(name)
            if name in self.stateful_metrics or finalize:
                self._values[name] = [value, 1]
            else:
                step = max(current - self._seen_so_far, 1)
                total, count = self._values.get(name, [0.0, 0])
                self._values[name] = [total + value * step, count + step]
        self._seen_so_far = current
        now = time.time()
        if current == 1 and self._time_after_first_step is None:
            self._time_after_first_step = now
        if self.verbose == 1:
            interval = self.interval if self._dynamic_display else max(self.interval, LOG_INTERVAL)
            if not finalize and now - self._last_update < interval:
                return
            self._print_bar(current, now, finalize)
            self._last_update = now
        elif self.verbose == 2 and finalize:
            self._print_line(current, now)

    def add(self, n, values=None):
        self.update(self._seen_so_far + n, values)

    def _step_time(self, current, now):
        if current > 1 and self._time_after_first_step is not None:
            return (now - self._time_after_first_step) / (current - 1)
        return (now - self._start) / current if current else 0.0

    def _metrics_text(self):
        text = ""
        for name in self._values_order:
            total, count = self._values[name]
            try:
                value = float(total) / max(1, count)
            except (TypeError, ValueError):
                text += f" - {name}: {total}"
                continue
            text += f" - {name}: {value:.4f}" if abs(value) > 1e-3 else f" - {name}: {value:.4e}"
        return text

    def _print_bar(self, current, now, finalize):
        bold, green, grey, reset = ("\x1b[1m", "\x1b[32m", "\x1b[37m", "\x1b[0m") if self._dynamic_display \
            else ("", "", "", "")
        if self.target is not None:
            digits = int(math.log10(max(self.target, 1))) + 1
            bar = f"{bold}{current:{digits}d}/{self.target}{reset} "
            filled = int(self.width * min(current / self.target, 1.0)) if self.target else self.width
            bar += green + "━" * filled + reset + grey + "━" * (self.width - filled) + reset
        else:
            bar = f"{current:7d}/Unknown"
        per_step = self._step_time(current, now)
        if self.target is None or finalize:
            info = f" {now - self._start:.0f}s {_format_time(per_step, self.unit_name)}"
        else:
            eta = per_step * (self.target - current)
            if eta > 3600:
                eta_text = f"{int(eta // 3600)}:{int(eta % 3600) // 60:02d}:{int(eta % 60):02d}"
            elif eta > 60:
                eta_text = f"{int(eta // 60)}:{int(eta % 60):02d}"
            else:
                eta_text = f"{int(eta)}s"
            info = f" {bold}{eta_text}{reset} {_format_time(per_step, self.unit_name)}"
        message = bar + info + self._metrics_text()
        if self._dynamic_display:
            padding = max(0, self._prev_width - len(message))
            self._prev_width = len(message)
            sys.stdout.write("\r" + message + " " * padding + ("\n" if finalize else ""))
        else:
            sys.stdout.write(message + "\n")
        sys.stdout.flush()

    def _print_line(self, current, now):
        target = self.target if self.target is not None else current
        digits = int(math.log10(max(target, 1))) + 1
        line = f"{current:{digits}d}/{target} - {now - self._start:.0f}s - " \
               f"{_format_time(self._step_time(current, now), self.unit_name)}{self._metrics_text()}"
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def _format_time(seconds, unit_name):
    if seconds >= 1 or seconds == 0:
        return f"{seconds:.0f}s/{unit_name}"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/{unit_name}"
    return f"{seconds * 1e6:.0f}us/{unit_name}"
