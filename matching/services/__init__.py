"""The matching app's services: the only code that writes needs, match runs and allocations.

    needs.post_need(*, actor, data: NeedFields, idempotency_key=None, now=None) -> Need
    needs.update_need(*, actor, need, changes: NeedChanges, now=None) -> Need
    needs.close_need(*, actor, need, reason, now=None) -> Need
    needs.support_need(*, actor, need, support) -> Need
    runs.start_match_run(*, actor, horizon_days=28, subdistrict=None, idempotency_key=None, now=None) -> MatchRun
    runs.reap_stale_runs(*, now=None) -> int                         (periodic, via matching.tasks)
    allocations.respond_to_allocation(*, actor, allocation, accept, reason=None, idempotency_key=None,
                                      now=None) -> Allocation
    adapter.load_problem(run, need_ids=, resource_ids=) -> (solver.Problem, Keys)   (the only ORM <-> solver adapter)

Every function is one transaction and raises `core.errors.ServiceError` with the API's error codes.
"""
