import re

from skdeep.train.progress import Progress


def test_verbose_prints_mlpclassifiers_iteration_line_then_the_other_columns(capsys):
    progress = Progress(verbose=True, total_epochs=2, with_validation=True)
    for epoch in (1, 2):
        progress.epoch_ended(
            {"epoch": epoch, "loss": 0.5 / epoch, "validation_score": 0.9, "validation_loss": 0.3,
             "learning_rate": 0.001, "seconds": 0.01}
        )
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "Iteration 1, loss = 0.50000000, val_score = 0.9000, val_loss = 0.300000, lr = 0.001, "
        "seconds = 0.010",
        "Iteration 2, loss = 0.25000000, val_score = 0.9000, val_loss = 0.300000, lr = 0.001, "
        "seconds = 0.010",
    ]
    # The parse MLPClassifier users rely on.
    parsed = [re.match(r"Iteration (\d+), loss = ([\d.]+)", line).groups() for line in lines]
    assert parsed == [("1", "0.50000000"), ("2", "0.25000000")]


def test_a_value_the_solver_does_not_have_prints_as_a_dash(capsys):
    progress = Progress(verbose=True, total_epochs=1, with_validation=False)
    progress.epoch_ended({"epoch": 4, "loss": 0.125, "learning_rate": None, "seconds": 0.5})
    assert capsys.readouterr().out == "Iteration 4, loss = 0.12500000, lr = -, seconds = 0.500\n"


def test_without_validation_the_validation_columns_are_left_out(capsys):
    progress = Progress(verbose=True, total_epochs=1, with_validation=False)
    progress.epoch_ended({"epoch": 1, "loss": 1.0, "learning_rate": 0.1, "seconds": 0.5})
    assert "val" not in capsys.readouterr().out


def test_silent_unless_verbose(capsys):
    progress = Progress(verbose=False, total_epochs=1, with_validation=False)
    progress.epoch_ended({"epoch": 1, "loss": 1.0, "learning_rate": 0.1, "seconds": 0.5})
    progress.say("stopping")
    progress.close()
    assert capsys.readouterr().out == ""


def test_no_progress_bar_when_output_is_not_a_terminal(capsys):
    # pytest captures stdout, which is not a terminal: plain lines, whether or not tqdm exists.
    progress = Progress(verbose=True, total_epochs=3, with_validation=False)
    assert progress._bar is None


def test_progress_bar_on_a_terminal_when_tqdm_is_installed(monkeypatch):
    # A stand-in for tqdm.auto.tqdm, so the test runs whether or not tqdm is installed.
    class FakeBar:
        instances = []

        def __init__(self, total, unit, leave):
            self.total, self.updates, self.postfixes, self.written, self.closed = total, 0, [], [], False
            FakeBar.instances.append(self)

        def update(self, n):
            self.updates += n

        def set_postfix(self, values):
            self.postfixes.append(values)

        def write(self, message):
            self.written.append(message)

        def close(self):
            self.closed = True

    monkeypatch.setattr("skdeep.train.progress._tqdm_or_none", lambda: FakeBar)
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    progress = Progress(verbose=True, total_epochs=5, with_validation=False)
    progress.epoch_ended({"epoch": 1, "loss": 0.25, "learning_rate": 0.01, "seconds": 0.5})
    progress.say("stopping")
    progress.close()
    (bar,) = FakeBar.instances
    assert bar.total == 5 and bar.updates == 1 and bar.closed
    assert bar.postfixes == [{"loss": "0.25", "lr": "0.01", "seconds": "0.5"}]
    assert bar.written == ["stopping"]
