"""Which checks establish which clause of the contract: the traceability manifest the tree is held to.

The contract is the catalogue's "what the checks must establish" column plus the rules that hold for
every row (one-shot iterables, total-deadline timeouts, None as a value, exceptions of every kind,
``timeout=0``, values are values, any callable, every path out cleans up, any calling thread, any two
public methods at once). ``CLAUSES`` below breaks each exercise's row into one short clause per distinct
requirement and adds each every-row rule *that applies to that exercise's API*, and names, for each
clause, the public checks (test function names in ``tests/test_<stem>.py``, or explorer scenario names
its ``@scenario`` decorators register) that establish it: a check is named only where its assertions
would fail on code that breaks the clause, not where its name sounds right. Hidden checks
(``tests/hidden/``) may be named too, but a clause is covered only by a public one: every known bug is
caught by a public check.

A clause no public check establishes yet has an empty ``checks`` and says why in ``gap``.
``selftest/test_clauses.py`` holds the tree to this table: every exercise has clauses, every check named
here exists in the file named, every public check is named by some clause, and only clauses with a
``gap`` note may lack a check. ``python -m kata.maint.clauses`` prints the open gaps.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

#: The rules that hold for every row of the catalogue, by the short name a clause cites them with.
RULES: dict[str, str] = {
    "one-shot": "every iterable parameter may be a one-shot iterator: read it once",
    "deadline": "every timeout is a total deadline, however often the call is woken",
    "none": "None is a value: stored, returned, computed and produced by a factory",
    "exceptions": "exceptions keep type and message across threads, BaseException included; a returned one is a value",
    "timeout-0": "a timeout of 0 means try once, then raise",
    "values": "falsy values are kept like any other; items may repeat and need not be hashable",
    "callable": "a callable is any callable: function, lambda, bound method, partial, object with __call__",
    "cleanup": "every path out releases every lock and wakes every waiter, exceptions included",
    "any-thread": "learner code may be called from any thread, while other threads it did not start exist",
    "pairs": "any two public methods may be called at the same time from different threads",
}


@dataclass(frozen=True)
class Clause:
    """One requirement of an exercise's contract and the checks that establish it.

    ``text`` paraphrases the requirement; ``rule`` is the key in ``RULES`` for an every-row rule, or
    ``None`` for a clause of the exercise's own row. ``checks`` are public check names, ``hidden`` the
    hidden ones that try it another way; ``gap`` says why no public check establishes it yet (only with
    an empty ``checks``); ``note`` says how a check establishes a clause where that is not plain.
    """

    text: str
    checks: tuple[str, ...] = ()
    hidden: tuple[str, ...] = ()
    rule: str | None = None
    gap: str = ""
    note: str = ""


def row(text: str, *checks: str, hidden: tuple[str, ...] = (), gap: str = "", note: str = "") -> Clause:
    """A clause of the exercise's own catalogue row."""
    return Clause(text, tuple(checks), hidden, None, gap, note)


def rule(key: str, text: str, *checks: str, hidden: tuple[str, ...] = (), gap: str = "", note: str = "") -> Clause:
    """An every-row rule (``RULES[key]``), as it applies to this exercise's API."""
    if key not in RULES:
        raise KeyError(f"no every-row rule named {key!r}")
    return Clause(text, tuple(checks), hidden, key, gap, note)


#: Per exercise number: its clauses, the row's first, then the every-row rules that apply.
CLAUSES: dict[str, tuple[Clause, ...]] = {
    "01": (
        row("func(*args) runs in a new thread, not the caller's", "test_func_runs_in_the_returned_thread_not_the_callers",
            hidden=("test_two_calls_run_side_by_side_in_two_threads",)),
        row("the returned thread is the one running func", "test_func_runs_in_the_returned_thread_not_the_callers",
            hidden=("test_two_calls_run_side_by_side_in_two_threads",)),
        row("the returned thread is already started", "test_returns_a_started_thread_without_waiting_for_func"),
        row("the returned thread is non-daemon", "test_thread_is_not_a_daemon",
            hidden=("test_many_arguments_and_a_bound_method_arrive_in_order",)),
        row("the call returns without waiting for func to finish (no join, no call in place)",
            "test_returns_a_started_thread_without_waiting_for_func", hidden=("test_two_calls_run_side_by_side_in_two_threads",)),
        row("args arrive unchanged, as separate arguments", "test_arguments_arrive_unchanged",
            hidden=("test_many_arguments_and_a_bound_method_arrive_in_order",)),
        rule("values", "None, an empty tuple and falsy arguments arrive as they are", "test_arguments_arrive_unchanged",
             hidden=("test_many_arguments_and_a_bound_method_arrive_in_order",)),
        rule("callable", "func may be a partial, an object with __call__ or a bound method", "test_any_callable_runs_in_a_new_thread",
             hidden=("test_two_calls_run_side_by_side_in_two_threads", "test_many_arguments_and_a_bound_method_arrive_in_order")),
        rule("any-thread", "returns the thread it made, while other threads exist", "test_func_runs_in_the_returned_thread_not_the_callers",
             note="the call is made from a 'kata-caller' thread beside the main one; the check compares identities"),
    ),
    "02": (
        row("count is 0 after construction", "test_count_is_zero_after_construction",
            hidden=("test_a_named_thread_run_directly_counts_in_the_caller",)),
        row("count is n_max after start(); join()", "test_count_reaches_n_max_after_start_and_join",
            hidden=("test_three_threads_started_together_count_to_their_own_limits",)),
        row("the counting happens in the worker thread, inside run", "test_counting_happens_in_the_new_thread_inside_run",
            "test_count_rises_one_step_at_a_time"),
        row("name reaches Thread (None gives Thread's usual name)", "test_name_reaches_thread",
            hidden=("test_a_named_thread_run_directly_counts_in_the_caller",)),
        row("run() called directly also counts", "test_run_called_directly_also_counts",
            hidden=("test_a_named_thread_run_directly_counts_in_the_caller",)),
        row("each CountingThread has its own count", "test_each_thread_has_its_own_count",
            hidden=("test_three_threads_started_together_count_to_their_own_limits",)),
        row("otherwise it is a Thread like any other", "test_otherwise_it_is_a_thread_like_any_other"),
    ),
    "03": (
        row("every task runs in its own thread", "test_each_task_runs_in_its_own_thread",
            hidden=("test_many_tasks_with_the_last_one_slow",)),
        row("all tasks run at the same time", "test_tasks_run_at_the_same_time", hidden=("test_tasks_from_a_map_object_all_meet",)),
        row("returns only after every task has finished, whatever their durations (no join timeout)",
            "test_run_all_waits_for_the_slowest_task", "test_run_all_reads_a_generator_once_and_waits_for_every_task",
            hidden=("test_a_single_task_is_waited_for", "test_many_tasks_with_the_last_one_slow")),
        row("no thread it started is alive afterwards", "test_each_task_runs_in_its_own_thread", "test_tasks_run_at_the_same_time",
            "test_run_all_waits_for_the_slowest_task", hidden=("test_many_tasks_with_the_last_one_slow",)),
        row("empty input is fine", "test_empty_input_is_fine"),
        rule("one-shot", "tasks may be a generator or a map object, read once",
             "test_run_all_reads_a_generator_once_and_waits_for_every_task", "test_empty_input_is_fine",
             hidden=("test_tasks_from_a_map_object_all_meet", "test_a_single_task_is_waited_for")),
        rule("callable", "a task may be a partial, an object with __call__ or a bound method", "test_any_callable_is_a_task",
             hidden=("test_bound_methods_and_partials_from_a_generator_all_run",)),
        rule("cleanup", "a task that raises does not stop run_all from waiting for the others",
             "test_a_task_that_raises_does_not_cut_the_wait_short",
             hidden=("test_a_task_ending_in_system_exit_among_others_from_a_generator",)),
        rule("any-thread", "waits for its own threads, not for the process's thread count", "test_run_all_waits_for_the_slowest_task",
             note="run_all runs in a watched thread beside the main one, so waiting for active_count() to fall hangs"),
    ),
    "04": (
        row("beat() is called about every interval seconds", "test_beats_about_every_interval_in_that_thread",
            hidden=("test_a_slower_heartbeat_keeps_its_own_pace",)),
        row("it beats forever (the thread does not end)", "test_beats_about_every_interval_in_that_thread"),
        row("beat() runs in the returned thread", "test_beats_about_every_interval_in_that_thread",
            hidden=("test_a_slower_heartbeat_keeps_its_own_pace",)),
        row("the returned thread is started and a daemon", "test_returns_a_started_daemon_thread",
            hidden=("test_a_slower_heartbeat_keeps_its_own_pace",)),
        row("start_heartbeat returns at once", "test_program_can_end_while_the_heartbeat_beats", "test_returns_a_started_daemon_thread"),
        row("a program that starts a heartbeat and reaches its end exits promptly (child interpreter)",
            "test_program_can_end_while_the_heartbeat_beats"),
        row("no busy waiting", "test_sleeps_between_beats_instead_of_spinning"),
        rule("callable", "beat may be any callable", "test_beats_about_every_interval_in_that_thread",
             hidden=("test_a_slower_heartbeat_keeps_its_own_pace",),
             note="the public beat is an object with __call__ (no __name__), the hidden one a partial"),
        rule("any-thread", "daemon whatever thread starts it", "test_returns_a_started_daemon_thread",
             hidden=("test_a_heartbeat_started_from_a_daemon_thread_is_a_daemon_and_beats",),
             note="started from a non-daemon thread, whose flag a new thread would inherit"),
    ),
    "05": (
        row("func runs in another thread", "test_func_runs_in_another_thread"),
        row("the result travels back through a queue.Queue", "test_result_travels_through_a_queue"),
        row("call_in_thread waits for the result and returns that object, args passed on",
            "test_call_in_thread_waits_for_the_result_and_returns_it", hidden=("test_a_bound_method_and_a_partial_work_as_func",)),
        row("func's exception is re-raised in the caller, same type and message", "test_exception_is_raised_in_the_caller"),
        row("a BaseException subclass is re-raised too", "test_a_base_exception_is_raised_in_the_caller"),
        row("an exception object func returns is returned", "test_an_exception_object_that_func_returns_is_a_value"),
        row("TimeoutError promptly when no result arrives in time", "test_timeout_raises_timeout_error_promptly"),
        row("parallel_map runs all calls concurrently", "test_parallel_map_runs_all_calls_at_the_same_time"),
        row("parallel_map keeps input order when later items finish first",
            "test_parallel_map_keeps_input_order_when_later_items_finish_first",
            hidden=("test_results_come_back_in_order_from_a_generator_whatever_the_finishing_order",)),
        row("a raising call: parallel_map waits for the rest, then raises the first failure in input order",
            "test_parallel_map_raises_the_first_failure_in_input_order_after_all_calls_end",
            "test_parallel_map_keeps_a_base_exception_and_still_waits_for_every_call",
            hidden=("test_the_first_failure_in_input_order_wins_over_a_base_exception_later",)),
        rule("one-shot", "parallel_map's items may be a generator", "test_parallel_map_keeps_input_order_when_later_items_finish_first",
             "test_parallel_map_of_nothing_is_an_empty_list",
             hidden=("test_results_come_back_in_order_from_a_generator_whatever_the_finishing_order",)),
        rule("none", "a func returning None is a result, not an error", "test_exception_is_raised_in_the_caller",
             "test_an_exception_object_that_func_returns_is_a_value"),
        rule("exceptions", "parallel_map keeps a BaseException and a returned exception object",
             "test_parallel_map_keeps_a_base_exception_and_still_waits_for_every_call",
             "test_an_exception_object_that_func_returns_is_a_value"),
        rule("timeout-0", "call_in_thread(..., timeout=0) raises TimeoutError at once", "test_timeout_raises_timeout_error_promptly"),
        rule("deadline", "call_in_thread's timeout is one deadline", "test_timeout_raises_timeout_error_promptly"),
        rule("values", "falsy results are kept", "test_an_exception_object_that_func_returns_is_a_value"),
        rule("values", "parallel_map's items may repeat and need not be hashable",
             "test_parallel_map_gives_repeated_and_unhashable_items_each_their_own_result"),
        row("a call given up on (timed out) does not keep the program from exiting",
            "test_a_program_can_exit_while_a_call_it_gave_up_on_still_runs",
            hidden=("test_a_program_that_did_not_wait_for_a_long_call_exits_at_once",),
            note="the project's reading of 'func runs in another thread' beside 'TimeoutError promptly': the stub says so"),
        rule("callable", "func may be any callable", "test_an_exception_object_that_func_returns_is_a_value",
             "test_call_in_thread_waits_for_the_result_and_returns_it", hidden=("test_a_bound_method_and_a_partial_work_as_func",),
             note="public funcs include builtins (pow, abs) and a method-wrapper (list.__getitem__)"),
    ),
    "06": (
        row("no lost update with many threads incrementing and decrementing together",
            "test_no_increment_is_lost", "test_increments_and_decrements_together_lose_nothing",
            "test_explorer_finds_no_lost_update", "test_explorer_finds_no_lost_update_between_increment_and_decrement",
            hidden=("test_many_threads_with_mixed_steps_lose_nothing",)),
        row("every increment returns the value its own update produced", "test_each_call_returns_the_value_it_produced",
            "test_concurrent_increments_return_distinct_values", "test_explorer_finds_each_call_returns_its_own_value"),
        row("every decrement returns the value its own update produced", "test_concurrent_decrements_return_distinct_values",
            hidden=("test_six_threads_decrementing_from_a_start_get_distinct_values",)),
        row("starts at the given value (0 by default)", "test_starts_at_the_given_value",
            hidden=("test_default_step_is_one_in_both_directions",)),
        rule("cleanup", "an update that raises leaves the counter usable", "test_an_update_that_raises_leaves_the_counter_usable"),
        rule("pairs", "increment and decrement at the same time", "test_increments_and_decrements_together_lose_nothing",
             "test_explorer_finds_no_lost_update_between_increment_and_decrement"),
    ),
    "07": (
        row("set, get (with default) and len work like a dict", "test_set_get_and_len_work_like_a_dict"),
        row("snapshot() while other threads write never raises", "test_snapshot_while_other_threads_write_never_raises",
            "test_explorer_finds_snapshot_while_another_thread_sets"),
        row("get() and len() while other threads write never raise", "test_get_and_len_while_other_threads_write_never_raise"),
        row("snapshot() returns an independent copy", "test_snapshot_is_an_independent_copy"),
        row("get_or_compute stores and returns the factory's value", "test_get_or_compute_stores_and_returns_the_factory_value"),
        row("get_or_compute calls factory at most once per key when many threads ask at once",
            "test_many_threads_asking_for_one_missing_key_call_the_factory_once",
            "test_threads_asking_for_many_keys_call_each_factory_once", "test_explorer_finds_one_missing_key_computed_once"),
        row("a factory that raises caches nothing", "test_a_factory_that_raises_caches_nothing",
            "test_threads_waiting_for_a_factory_that_raises_still_get_a_value"),
        rule("none", "a stored or computed None is a value", "test_a_stored_none_is_not_computed_again",
             hidden=("test_five_threads_asking_for_a_key_whose_factory_makes_none_call_it_once",)),
        rule("values", "a stored falsy value is returned by get(), not the default", "test_get_and_len_while_other_threads_write_never_raise",
             hidden=("test_falsy_values_and_unusual_keys_survive_a_snapshot",),
             note="its values include 0: `self._data.get(key) or default` returns the default for it"),
        rule("values", "falsy values are kept by snapshot()", hidden=("test_falsy_values_and_unusual_keys_survive_a_snapshot",),
             gap="public snapshots hold truthy values only: a snapshot() that skips falsy values (`if v`) passes"),
        rule("exceptions", "a factory's BaseException reaches the caller and caches nothing",
             "test_threads_waiting_for_a_factory_that_raises_still_get_a_value",
             hidden=("test_a_factory_raising_a_base_exception_caches_nothing_and_leaves_the_cache_usable",)),
        rule("cleanup", "a raising factory leaves no lock held and wakes the waiters",
             "test_threads_waiting_for_a_factory_that_raises_still_get_a_value"),
        rule("callable", "factory may be any callable", "test_many_threads_asking_for_one_missing_key_call_the_factory_once",
             "test_threads_waiting_for_a_factory_that_raises_still_get_a_value",
             note="their factory is an object with __call__ (no __name__)"),
        rule("pairs", "get, len, snapshot and get_or_compute while set runs", "test_snapshot_while_other_threads_write_never_raises",
             "test_get_and_len_while_other_threads_write_never_raise"),
    ),
    "08": (
        row("exactly n_workers threads are started at construction", "test_exactly_n_workers_start_with_the_pool"),
        row("the workers are reused for every task", "test_every_task_runs_in_one_of_the_n_workers"),
        row("up to n tasks run at once", "test_n_tasks_run_at_the_same_time", "test_never_more_than_n_tasks_at_once",
            hidden=("test_five_workers_run_five_tasks_at_once_and_never_six",)),
        row("results come back through the handle", "test_result_returns_the_task_value"),
        row("exceptions come back through the handle", "test_result_raises_the_task_exception",
            "test_every_kind_of_exception_comes_back_and_a_returned_exception_is_a_value"),
        row("a raising task does not kill its worker", "test_a_raising_task_does_not_kill_its_worker",
            hidden=("test_a_task_may_submit_to_its_own_pool_and_exit_with_system_exit",)),
        row("shutdown lets queued tasks finish, then every worker exits and is joined with wait=True",
            "test_shutdown_finishes_queued_tasks_then_joins_every_worker"),
        row("shutdown(wait=False) returns at once and the workers still finish",
            "test_shutdown_without_wait_returns_at_once_and_the_workers_still_finish"),
        row("submit after shutdown raises RuntimeError", "test_submit_after_shutdown_raises_runtime_error"),
        row("a submit racing shutdown raises RuntimeError or has its task run", "test_a_submit_racing_shutdown_raises_or_has_its_task_run",
            "test_explorer_finds_a_submit_racing_shutdown_raises_or_runs", hidden=("test_a_shutdown_stopped_at_each_step_while_a_submit_runs",)),
        row("built on threading primitives, not concurrent.futures", "test_exactly_n_workers_start_with_the_pool",
            "test_every_task_runs_in_one_of_the_n_workers"),
        row("a context manager that shuts the pool down", "test_a_with_block_shuts_the_pool_down"),
        row("fewer than one worker is a ValueError", "test_fewer_than_one_worker_is_a_value_error"),
        rule("exceptions", "a BaseException comes back and a returned exception object is a value",
             "test_every_kind_of_exception_comes_back_and_a_returned_exception_is_a_value"),
        rule("none", "a task's None (or None argument) is a value", "test_result_returns_the_task_value"),
        rule("deadline", "result(timeout) raises TimeoutError after about timeout", "test_result_with_a_timeout_raises_timeout_error_promptly"),
        rule("deadline", "result(timeout) is one deadline however often its wait is woken",
             gap="no result(timeout) waits while other tasks finish: handles sharing one pool Condition, each finishing task "
             "notify_all()-ing it and result() re-waiting the whole timeout after every wakeup, passes public and hidden checks"),
        rule("timeout-0", "result(timeout=0) does not wait", hidden=("test_result_with_timeout_zero_does_not_wait",),
             gap="only the hidden check calls result(timeout=0): `wait(timeout or None)` (0 taken for None) waits on a running task"),
        rule("pairs", "submit from many threads at once, result from many threads, submit while shutdown",
             "test_tasks_submitted_from_many_threads_at_once_each_run_once", "test_many_threads_waiting_on_one_handle_all_get_the_result",
             "test_a_submit_racing_shutdown_raises_or_has_its_task_run"),
        rule("pairs", "shutdown from two threads at once", hidden=("test_shutdown_called_from_three_threads_at_once_returns_in_each",),
             gap="public checks call shutdown from one thread: a shutdown() that returns at once when another has begun (before "
             "the queued tasks ran and the workers were joined) passes public and hidden checks"),
    ),
    "09": (
        row("built on threading.Condition, no queue.Queue (queue's exception classes allowed)",
            "test_it_is_built_on_a_condition_not_on_the_queue_module"),
        row("FIFO", "test_items_come_out_in_the_order_they_went_in"),
        row("never holds more than capacity", "test_put_waits_while_the_buffer_is_full",
            "test_every_item_is_delivered_exactly_once_with_many_producers_and_consumers", "test_explorer_finds_a_woken_put_waits_again",
            hidden=("test_two_producers_and_five_consumers_on_a_buffer_of_one_lose_nothing",)),
        row("put blocks while full", "test_put_waits_while_the_buffer_is_full", "test_a_woken_put_that_finds_the_buffer_full_waits_again"),
        row("get blocks while empty", "test_get_waits_while_the_buffer_is_empty", "test_a_woken_get_that_finds_the_buffer_empty_waits_again",
            "test_explorer_finds_a_woken_get_waits_again"),
        row("every item is delivered exactly once with many producers and consumers",
            "test_every_item_is_delivered_exactly_once_with_many_producers_and_consumers",
            "test_two_calls_racing_for_the_last_slot_or_the_last_item_never_both_win",
            "test_explorer_finds_every_item_delivered_exactly_once", "test_explorer_finds_no_item_taken_twice"),
        row("timeouts raise TimeoutError promptly", "test_timeouts_raise_TimeoutError_promptly", "test_explorer_finds_timeouts_give_up"),
        row("close() wakes every waiter at once", "test_close_wakes_every_waiting_thread_at_once",
            "test_explorer_finds_close_wakes_every_waiting_get", "test_explorer_finds_close_wakes_every_waiting_put",
            hidden=("test_close_wakes_a_put_and_a_get_that_wait_with_timeouts",)),
        row("after close, put raises Closed and get drains what is left, then raises Closed",
            "test_a_closed_buffer_refuses_put_and_drains_before_get_raises_closed"),
        row("a capacity below one is refused", "test_a_capacity_below_one_is_refused"),
        rule("deadline", "a timeout is one deadline however often the call is woken",
             "test_a_timeout_is_one_deadline_however_often_the_call_is_woken"),
        rule("deadline", "a waiting call with a timeout returns as soon as it can",
             "test_a_get_with_a_timeout_returns_as_soon_as_an_item_arrives"),
        rule("timeout-0", "timeout=0 tries once, then raises", "test_two_calls_racing_for_the_last_slot_or_the_last_item_never_both_win",
             hidden=("test_a_timeout_of_zero_tries_once_and_does_not_wait",),
             note="the losing put/get(timeout=0) must raise at once; `if timeout:` makes it wait forever"),
        rule("cleanup", "no lost wakeup: more waiters of both kinds than wakeups",
             "test_a_put_waiting_for_room_is_woken_while_a_get_waits_too", "test_two_items_put_at_once_reach_both_waiting_gets",
             "test_two_puts_at_once_wake_both_waiting_gets_however_they_interleave",
             "test_explorer_finds_a_put_waiting_for_room_is_woken_beside_a_waiting_get",
             hidden=("test_a_get_waiting_for_an_item_is_woken_while_a_put_waits_too",)),
        rule("values", "None, falsy, repeated and unhashable items come out as they went in",
             "test_none_falsy_unhashable_and_repeated_items_come_out_as_they_went_in",
             hidden=("test_none_falsy_repeated_and_unhashable_items_come_out_as_they_went_in",),
             note="the mutant none_taken_for_nothing_there (`if item is None: raise Closed`) loses the first None"),
        rule("pairs", "put and get while close runs", "test_close_wakes_every_waiting_thread_at_once",
             "test_explorer_finds_close_wakes_every_waiting_put"),
    ),
    "10": (
        row("calls task about every interval in its own thread", "test_calls_the_task_about_every_interval_in_its_own_thread",
            hidden=("test_a_slower_interval_gives_fewer_calls_about_that_far_apart",)),
        row("stop() returns promptly mid-interval with a long interval", "test_stop_returns_at_once_in_the_middle_of_a_long_interval"),
        row("the thread has ended when stop() returns", "test_stop_waits_until_the_thread_has_ended"),
        row("stop is idempotent and safe before start", "test_stop_twice_or_before_start_does_nothing",
            hidden=("test_a_worker_never_started_is_not_running_and_stops_quietly_twice",)),
        row("idle waiting burns no CPU", "test_waiting_uses_no_cpu"),
        row("running is True only between start and stop", "test_running_is_true_only_between_start_and_stop"),
        rule("pairs", "stop while start runs", "test_a_stop_racing_start_leaves_no_thread_behind",
             "test_a_stop_meeting_a_start_whose_thread_is_slow_to_start_raises_nothing",
             "test_explorer_finds_a_stop_racing_start_raises_nothing"),
        rule("pairs", "start while start runs", "test_two_starts_at_once_run_one_worker"),
        row("a second start() of a started worker raises RuntimeError or does nothing (no second thread)",
            "test_a_second_start_raises_RuntimeError_or_does_nothing"),
        rule("pairs", "stop while stop runs", "test_stops_from_several_threads_each_return_only_once_the_thread_has_ended",
             hidden=("test_stop_called_from_three_threads_at_once",),
             note="task() is held while the first stop() joins, so the thread cannot end before the others are called; the mutant "
             "stop_takes_the_thread_out (`thread, self._thread = self._thread, None`) lets the later stops return at once"),
        rule("callable", "task may be any callable", "test_calls_the_task_about_every_interval_in_its_own_thread",
             note="the public task is an object with __call__"),
    ),
    "11": (
        row("Account keeps number, balance and an unheld lock; InsufficientFunds is an Exception",
            "test_an_account_keeps_its_number_balance_and_lock"),
        row("a transfer moves the money (the whole balance too)", "test_a_transfer_moves_the_money"),
        row("opposite-direction transfers at once never deadlock (provoked)", "test_opposite_transfers_at_the_same_moment_do_not_deadlock",
            "test_explorer_finds_opposite_transfers_do_not_deadlock"),
        row("transfers in every direction never deadlock (a cycle of three)", "test_transfers_around_a_circle_do_not_deadlock",
            hidden=("test_transfers_around_a_square_of_accounts_made_out_of_order_do_not_deadlock",)),
        row("money is conserved", "test_many_transfers_in_every_direction_keep_every_unit",
            "test_no_deposit_is_lost_when_two_transfers_pay_one_account", "test_no_transfer_is_ever_seen_half_done",
            "test_explorer_finds_no_deposit_is_lost"),
        row("no balance goes negative, even when two transfers race for the same funds",
            "test_two_transfers_cannot_both_spend_the_same_money", "test_explorer_finds_two_transfers_cannot_both_spend_the_same_money",
            hidden=("test_three_transfers_racing_for_one_balance_spend_it_at_most_once_each",)),
        row("InsufficientFunds leaves both balances unchanged", "test_insufficient_funds_changes_no_balance",
            "test_explorer_finds_a_refused_transfer_changes_nothing", hidden=("test_a_refused_and_an_accepted_transfer_meet_on_one_account",)),
        row("ValueError for amount <= 0", "test_a_zero_or_negative_amount_raises_value_error"),
        row("ValueError for src is dst", "test_a_transfer_to_the_same_account_raises_value_error",
            hidden=("test_value_errors_come_before_any_lock_is_taken",)),
        rule("cleanup", "every way out (InsufficientFunds, ValueError) releases both locks",
             "test_many_transfers_in_every_direction_keep_every_unit", "test_no_transfer_is_ever_seen_half_done",
             "test_a_zero_or_negative_amount_raises_value_error",
             "test_explorer_finds_a_refused_transfer_changes_nothing", hidden=("test_value_errors_come_before_any_lock_is_taken",),
             note="refused transfers are followed by more on the same accounts, which hang if a lock was kept"),
    ),
    "12": (
        row("results in input order", "test_results_come_back_in_input_order"),
        row("never more than max_concurrent calls at once", "test_never_more_than_max_concurrent_calls_at_once",
            hidden=("test_two_slots_for_seven_items_run_two_at_once", "test_a_limit_of_one_runs_the_calls_one_by_one")),
        row("that many do run at once when there is enough work", "test_up_to_max_concurrent_calls_run_at_once",
            "test_results_come_back_in_input_order", hidden=("test_two_slots_for_seven_items_run_two_at_once",)),
        row("a raising call does not leak its slot", "test_a_raising_call_gives_its_slot_back",
            hidden=("test_calls_that_all_raise_with_one_slot_still_end",)),
        row("a raising call does not hang the rest: the exception reaches the caller after the others finish",
            "test_an_exception_reaches_the_caller_after_the_others_finish",
            hidden=("test_a_base_exception_reaches_the_caller_after_the_others_finish",)),
        row("the first failure in input order is raised", "test_the_first_failure_in_input_order_is_raised",
            "test_a_raising_call_gives_its_slot_back"),
        row("ValueError for max_concurrent < 1, before any call", "test_max_concurrent_below_one_is_a_value_error"),
        rule("one-shot", "items may be a generator", "test_empty_input_and_any_iterable"),
        rule("none", "None items and None results are values", "test_every_kind_of_exception_reaches_the_caller_and_a_returned_one_is_a_value",
             hidden=("test_a_limit_above_the_item_count_and_values_that_look_like_errors",)),
        rule("exceptions", "a BaseException reaches the caller; a returned exception object is a value",
             "test_every_kind_of_exception_reaches_the_caller_and_a_returned_one_is_a_value",
             hidden=("test_a_base_exception_reaches_the_caller_after_the_others_finish",)),
        rule("values", "repeated, falsy and unhashable items each get their own result",
             "test_repeated_and_unhashable_items_each_get_their_own_result",
             hidden=("test_a_limit_above_the_item_count_and_values_that_look_like_errors",
                     "test_repeated_dicts_from_a_generator_with_one_slot_each_get_a_result")),
        rule("callable", "func may be any callable", "test_results_come_back_in_input_order", "test_empty_input_and_any_iterable",
             note="public funcs include an object with __call__ (no __name__) and str.upper"),
        rule("cleanup", "no thread is left running, after a return or a raise", "test_no_thread_is_left_running"),
    ),
    "13": (
        row("each thread gets its own object", "test_threads_calling_get_at_once_each_get_their_own_object",
            "test_threads_with_the_same_name_get_different_objects", "test_a_new_thread_never_gets_an_ended_threads_object",
            "test_explorer_finds_each_thread_gets_its_own_object", "test_explorer_finds_threads_with_one_name_get_different_objects",
            hidden=("test_threads_one_after_another_with_one_name_get_new_objects",)),
        row("the object is made by factory, in that thread, on its first get (not before)",
            "test_factory_is_not_called_before_the_first_get", "test_get_returns_what_the_factory_made"),
        row("factory runs once per thread", "test_repeated_get_in_one_thread_returns_the_same_object",
            "test_threads_calling_get_at_once_each_get_their_own_object"),
        row("a factory that returns None is not called again", "test_a_none_from_the_factory_is_kept_like_any_object",
            hidden=("test_none_and_falsy_objects_from_the_factory_are_kept",)),
        row("repeated get in a thread returns the same object", "test_repeated_get_in_one_thread_returns_the_same_object"),
        row("many threads calling get at once each get a distinct object", "test_threads_calling_get_at_once_each_get_their_own_object",
            "test_explorer_finds_each_thread_gets_its_own_object"),
        row("two PerThread objects keep separate objects", "test_two_per_thread_objects_do_not_share",
            hidden=("test_two_per_thread_objects_in_many_threads_at_once_stay_apart",)),
        rule("values", "a falsy object from the factory is kept", "test_a_none_from_the_factory_is_kept_like_any_object",
             hidden=("test_none_and_falsy_objects_from_the_factory_are_kept",),
             note="a truthiness test for 'made yet' fails on None as on 0 or ''"),
        rule("exceptions", "a factory's exception reaches the caller and nothing is kept", "test_a_factory_that_raises_keeps_nothing"),
        rule("exceptions", "a factory's BaseException reaches the caller and nothing is kept",
             "test_a_base_exception_from_the_factory_keeps_nothing",
             hidden=("test_a_base_exception_from_the_factory_reaches_the_caller_and_keeps_nothing",)),
        rule("callable", "factory may be any callable", "test_get_returns_what_the_factory_made",
             hidden=("test_any_callable_is_a_factory",), note="the public factory is an object with __call__"),
        rule("cleanup", "a raising factory leaves get() usable (no lock held)", "test_a_factory_that_raises_keeps_nothing"),
    ),
    "14": (
        row("read() and write() return context managers", "test_read_and_write_work_as_with_blocks"),
        row("many readers hold the lock at once", "test_many_readers_hold_the_lock_at_once", "test_explorer_finds_readers_share_the_lock",
            hidden=("test_five_readers_are_inside_together",)),
        row("a writer holds it alone: no reader", "test_a_reader_waits_while_a_writer_holds_the_lock",
            "test_a_writer_waits_until_every_reader_has_left", "test_no_one_is_ever_inside_with_a_writer",
            "test_explorer_finds_a_writer_waits_for_every_reader", hidden=("test_a_writer_waits_for_three_readers_and_then_gets_in",)),
        row("a writer holds it alone: no other writer", "test_a_writer_waits_while_another_writer_holds_the_lock",
            "test_no_one_is_ever_inside_with_a_writer", "test_explorer_finds_a_writer_is_alone",
            hidden=("test_many_readers_and_writers_with_forced_switches_never_overlap",)),
        row("a waiting writer is not starved by a stream of new readers", "test_a_waiting_writer_is_not_starved_by_a_stream_of_readers",
            hidden=("test_a_new_reader_queues_behind_a_waiting_writer",)),
        rule("cleanup", "a with block that raises (BaseException too) gives the lock back",
             "test_the_lock_is_given_back_when_the_with_block_raises",
             hidden=("test_a_base_exception_in_a_write_block_lets_waiting_readers_in",)),
        rule("cleanup", "the lock is free again after many readers came and went",
             "test_the_lock_is_free_again_after_many_readers_came_and_went", "test_explorer_finds_the_lock_is_free_after_readers_left",
             hidden=("test_six_readers_in_and_out_leave_the_lock_free",)),
        rule("pairs", "read and write from different threads at once", "test_no_one_is_ever_inside_with_a_writer"),
    ),
    "15": (
        row("uses concurrent.futures.ThreadPoolExecutor", "test_uses_a_thread_pool_executor"),
        row("maps every url to fetch(url)'s result", "test_maps_every_url_to_its_result"),
        row("maps a url whose fetch raised to that exception", "test_an_exception_is_mapped_not_raised",
            hidden=("test_every_fetch_failing_is_mapped_and_leaves_no_thread",)),
        row("urls may be any iterable, a generator too", "test_urls_may_be_a_generator",
            hidden=("test_a_one_shot_iterator_is_fetched_in_max_workers_threads",)),
        row("IO-bound fetches overlap (well under half the serial time)", "test_fetches_overlap"),
        row("no worker thread is left alive afterwards", "test_no_worker_thread_is_left_alive",
            "test_an_error_reading_the_urls_reaches_the_caller_and_leaves_no_thread",
            hidden=("test_urls_that_raise_after_one_leave_no_thread",)),
        row("max_workers fetches run at once, never more; 8 by default", "test_max_workers_fetches_run_at_once",
            "test_never_more_than_max_workers_fetches_at_once", "test_max_workers_defaults_to_eight",
            hidden=("test_one_worker_fetches_one_at_a_time",)),
        rule("one-shot", "urls may be a one-shot iterator", "test_urls_may_be_a_generator",
             hidden=("test_a_one_shot_iterator_is_fetched_in_max_workers_threads",)),
        rule("none", "a fetch that returns None or a falsy value maps to it", "test_none_and_falsy_results_are_mapped_as_they_are",
             hidden=("test_none_falsy_and_returned_exceptions_are_results",)),
        rule("exceptions", "a fetch raising a BaseException subclass maps the url to it, like any exception",
             "test_a_base_exception_that_fetch_raises_is_mapped_too",
             hidden=("test_keyboard_interrupt_and_system_exit_raised_by_fetches_are_mapped",)),
        rule("callable", "fetch may be any callable", "test_maps_every_url_to_its_result", "test_urls_may_be_a_generator",
             hidden=("test_any_callable_fetches",), note="public fetches are a bound method (dict.get) and str.upper"),
    ),
    "16": (
        row("returns func(key) and remembers it", "test_returns_func_result_and_remembers_it"),
        row("func(key) runs at most once per key however many threads ask at once",
            "test_many_threads_asking_for_one_key_compute_it_once", "test_threads_asking_for_many_keys_compute_each_once",
            "test_explorer_finds_one_key_computed_once", hidden=("test_keys_in_reverse_order_in_lockstep_are_computed_once",)),
        row("different keys compute concurrently", "test_different_keys_compute_at_the_same_time",
            "test_explorer_finds_a_slow_key_does_not_hold_up_another", hidden=("test_three_slow_keys_compute_at_the_same_time",)),
        row("a raising computation is not cached", "test_a_failure_reaches_the_caller_and_is_not_remembered",
            hidden=("test_a_failing_key_does_not_disturb_another",)),
        row("every waiter for a raising computation sees the exception", "test_a_failure_reaches_every_thread_waiting_for_it",
            "test_explorer_finds_a_failure_reaches_every_waiter_and_is_forgotten", hidden=("test_four_waiters_all_get_the_one_failure",)),
        rule("none", "a computed None is remembered", "test_a_remembered_none_is_not_computed_again",
             hidden=("test_none_falsy_values_and_returned_exceptions_are_remembered",)),
        rule("values", "falsy values are remembered", "test_a_remembered_none_is_not_computed_again",
             hidden=("test_none_falsy_values_and_returned_exceptions_are_remembered",),
             note="a truthiness test for 'known' fails on None as on 0 or ''"),
        rule("exceptions", "a BaseException reaches every waiter and is not remembered",
             "test_a_base_exception_reaches_every_waiter_and_is_not_remembered"),
        rule("exceptions", "an exception object func returns is a value", "test_an_exception_object_that_func_returns_is_a_value"),
        rule("cleanup", "a waiter is woken by its own key only, never left waiting",
             "test_a_waiter_is_not_woken_by_another_key_finishing", "test_explorer_finds_a_waiter_waits_for_its_own_key",
             "test_a_failure_reaches_every_thread_waiting_for_it"),
        rule("callable", "func may be any callable", "test_any_callable_works_as_func", hidden=("test_any_callable_is_memoized",)),
    ),
}


def gaps() -> list[tuple[str, Clause]]:
    """Every clause no public check establishes yet, with its exercise number."""
    return [(number, clause) for number, clauses in CLAUSES.items() for clause in clauses if not clause.checks]


def main() -> int:
    """``python -m kata.maint.clauses``: the clause count per exercise and the open gaps."""
    for number, clauses in CLAUSES.items():
        print(f"{number}: {len(clauses)} clauses, {sum(not c.checks for c in clauses)} without a public check")
    for number, clause in gaps():
        print(f"gap {number}: {clause.text} — {clause.gap}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
