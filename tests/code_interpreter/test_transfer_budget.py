"""The bytes of sandbox files held in the server's memory at once are bounded across all
sandboxes: a transfer waits for room, gives up at its timeout, and one larger than the whole
budget moves alone."""

from __future__ import annotations

import threading
import time

import pytest

from openbeta.server.tools.code_interpreter import ByteBudget


def test_a_transfer_waits_until_others_leave_room():
    budget = ByteBudget(100)
    first = budget.hold(70, timeout=1)
    entered = threading.Event()

    def second():
        with budget.hold(50, timeout=5):
            entered.set()
            assert budget.held == 50

    worker = threading.Thread(target=second)
    worker.start()
    time.sleep(0.2)
    assert not entered.is_set() and budget.held == 70
    first.__exit__(None, None, None)
    worker.join(5)
    assert entered.is_set() and budget.held == 0


def test_no_room_within_the_timeout_is_an_error_and_holds_nothing():
    budget = ByteBudget(100)
    with budget.hold(60, timeout=1):
        with pytest.raises(TimeoutError):
            budget.hold(60, timeout=0.1)
        assert budget.held == 60
    assert budget.held == 0


def test_a_transfer_larger_than_the_budget_moves_alone():
    budget = ByteBudget(100)
    with budget.hold(10, timeout=1):
        with pytest.raises(TimeoutError):
            budget.hold(10 ** 9, timeout=0.1)
    with budget.hold(10 ** 9, timeout=1):
        assert budget.held == 100
        with pytest.raises(TimeoutError):
            budget.hold(1, timeout=0.05)
    assert budget.held == 0
