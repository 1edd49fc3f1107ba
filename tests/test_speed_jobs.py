"""Issue 19: the Python files go to the workers largest first; the results keep the jobs' order."""

from __future__ import annotations

from migrator.apply import _run
from migrator.ruleset import load_all, select


def test_results_keep_the_jobs_order_when_the_workers_take_the_largest_first():
    ruleset = select(load_all([]), "dashscope", "compat")
    jobs = []
    for k in range(10):  # sizes that do not grow with k: sorted by size, the order changes
        padding = "\n".join(f"x_{i} = {i}" for i in range(((k * 7) % 10) * 20))
        source = f"from openai import OpenAI\n{padding}\nclient_{k} = OpenAI()\n"
        jobs.append((f"m{k}.py", source.encode(), ruleset, None))
    results = _run(jobs, 2)
    assert [result.path for _new, result, _left in results] == [job[0] for job in jobs]
    assert all(new is not None and b"DASHSCOPE" in new for new, _result, _left in results)
