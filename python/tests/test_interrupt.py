"""The GIL is released while simulating, and Ctrl-C stops a run promptly with KeyboardInterrupt."""

import signal
import subprocess
import sys
import textwrap
import threading
import time

import salesim


def test_other_python_threads_run_while_salesim_simulates():
    done = threading.Event()
    result = {}

    def simulate():
        result["r"] = salesim.run("builtin:lesson", replications=6, threads=1, quiet=True)
        done.set()

    worker = threading.Thread(target=simulate)
    started = time.monotonic()
    worker.start()
    ticks = 0
    while not done.is_set():
        ticks += 1  # pure Python: runs only while the simulating thread has let the GIL go
        time.sleep(0.005)
    worker.join()
    elapsed = time.monotonic() - started
    assert elapsed > 0.3, "the run was too short to tell"
    # Held for the run, the GIL would allow a tick or two; a loaded machine's sleeps run long,
    # so a fifth of the nominal count is enough to tell.
    assert ticks > max(10, 0.2 * elapsed / 0.005), (ticks, elapsed)
    assert len(result["r"].runs) == 12


SCRIPT = textwrap.dedent(
    """
    import sys, time, salesim
    print("started", flush=True)
    started = time.monotonic()
    try:
        salesim.run("builtin:lesson", replications=500, threads=1, quiet=True)
        print("finished", flush=True)
    except KeyboardInterrupt:
        print("interrupted", flush=True)
    # The next run works: the stop did not stick.
    r = salesim.run("builtin:lesson", replications=1, set={"horizon_quarters": 1}, quiet=True)
    print("again", len(r.runs), flush=True)
    """
)


def test_ctrl_c_raises_keyboard_interrupt_promptly_and_the_next_run_works():
    child = subprocess.Popen([sys.executable, "-c", SCRIPT], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "started"
    time.sleep(1.5)
    signalled = time.monotonic()
    child.send_signal(signal.SIGINT)
    line = child.stdout.readline().strip()
    stopped = time.monotonic() - signalled
    rest, err = child.communicate(timeout=60)
    assert line == "interrupted", (line, err)
    assert stopped < 3.0, stopped
    assert rest.strip() == "again 2", err
    assert child.returncode == 0, err
