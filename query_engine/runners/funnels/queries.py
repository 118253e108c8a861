"""The three funnel visualisations as SQL over the per-actor results of ``sql``."""

from __future__ import annotations

from query_engine.runners.funnels.sql import (
    FunnelSQL,
    actor_events,
    actor_results,
    event_type,
    grouped_actors,
    match_layers,
    stacked,
)


def steps_query(funnel: FunnelSQL, limit: str | None) -> str:
    """Per breakdown value: step ``counts`` and per-step conversion ``averages`` / ``medians``,
    values beyond ``limit`` merged into Other.

    Conversion times of zero seconds are left out of the average and median (engine.md §3.3).
    Every per-step figure is one array, so the aggregates stay a fixed few whatever the step
    count: ClickHouse's optimisation passes spend time per aggregate in proportion to the
    depth of the subqueries below it.
    """
    n = funnel.n
    per_breakdown = (
        f"SELECT breakdown, sumForEach(arrayMap(i -> toUInt64(step_reached >= i), range({n}))) AS counts,\n"
        "  groupArray(timings) AS times\n"
        f"FROM ({actor_results(funnel)})\nGROUP BY breakdown"
    )
    final = "breakdown" if limit is None else f"if(rn <= {limit}, breakdown, ['Other'])"
    # Step i's conversion times: element i of every actor's timings (0 when it stopped earlier).
    step_times = f"arrayMap(i -> arrayFilter(x -> x > 0, arrayMap(a -> a[i], all_times)), range(1, {n}))"
    grouped = (
        f"SELECT {final} AS final_breakdown, sumForEach(counts) AS step_counts,\n"
        f"  groupArrayArray(times) AS all_times, {step_times} AS step_times\n"
        "FROM (\n  SELECT *, row_number() OVER (ORDER BY arrayReverse(counts) DESC, breakdown) AS rn\n"
        f"  FROM ({per_breakdown})\n)\n"
        "GROUP BY final_breakdown"
    )
    return (
        "SELECT final_breakdown, step_counts,\n"
        "  arrayMap(x -> if(empty(x), NULL, arrayAvg(x)), step_times) AS averages,\n"
        "  arrayMap(x -> if(empty(x), NULL, arrayReduce('median', x)), step_times) AS medians\n"
        f"FROM ({grouped})\nORDER BY arrayReverse(step_counts) DESC, final_breakdown"
    )


def _period_events(funnel: FunnelSQL, events: str) -> str:
    """Events for attempts entering in ``period``: step 1 elsewhere no longer starts one."""
    breakdown = ", e.b" if funnel.breakdown and not funnel.packed else ""
    moved = f"CAST((e.t, e.k, bitAnd(e.m, bitNot(toUInt64(1))), e.p{breakdown}) AS {event_type(funnel)})"
    return f"arrayMap(e -> if(e.p = period, e, {moved}), arrayFilter(e -> e.p >= period, {events}))"


def _trends_actors(funnel: FunnelSQL) -> str:
    """Per (actor, breakdown value, entrance period): the match ``m`` of that attempt."""
    periods = "arrayDistinct(arrayMap(e -> e.p, arrayFilter(e -> bitTest(e.m, 0), actor_events)))"
    source = (
        f"SELECT aggregation_target, prop_val, period, {_period_events(funnel, actor_events(funnel))} AS ev\n"
        f"FROM (\n  {grouped_actors(funnel)}\n)\n"
        f"ARRAY JOIN prop_vals AS prop_val\nARRAY JOIN {periods} AS period"
    )
    return stacked(source, match_layers(funnel))


def trends_query(funnel: FunnelSQL, from_step: int, to_step: int) -> str:
    """Per (entrance period, breakdown): actors reaching ``from_step`` and ``to_step``."""
    actors = _trends_actors(funnel)
    return (
        f"SELECT period, prop_val AS breakdown, countIf(m.1 >= {from_step + 1}) AS reached_from,\n"
        f"  countIf(m.1 >= {to_step + 1}) AS reached_to\n"
        f"FROM ({actors})\nWHERE m.3 = 0\nGROUP BY period, breakdown\nORDER BY period, breakdown"
    )


def time_to_convert_query(funnel: FunnelSQL, from_step: int, to_step: int, bin_count: str | None) -> str:
    """Histogram of per-actor time from ``from_step`` to ``to_step`` (engine.md §3.7)."""
    times = (
        f"SELECT arraySum(arraySlice(timings, {from_step + 1}, {to_step - from_step})) AS time\n"
        f"FROM ({actor_results(funnel)})\nWHERE step_reached >= {to_step}"
    )
    bins = (
        f"least(greatest({bin_count}, 1), 90)"
        if bin_count
        else "least(greatest(toInt64(ceil(cbrt(n))), 1), 60)"
    )
    stats = (
        "SELECT floor(min(time)) AS lo, ceil(max(time)) AS hi, count() AS n,\n"
        f"  round(avg(time), 2) AS average, {bins} AS bin_count,\n"
        "  if(ceil((hi - lo) / bin_count) = 0, 60, ceil((hi - lo) / bin_count)) AS width\n"
        "FROM times HAVING n > 0"
    )
    return (
        f"WITH times AS ({times}), stats AS ({stats})\n"
        "SELECT any(bin_lo) AS lo, any(bin_width) AS width, any(bins) AS bin_count,\n"
        "  any(avg_time) AS average,\n"
        "  groupArray((bin, c)) AS counts\n"
        "FROM (\n  SELECT toInt64(floor((time - lo) / width)) AS bin, count() AS c, any(lo) AS bin_lo,\n"
        "    any(width) AS bin_width, any(bin_count) AS bins, any(average) AS avg_time\n"
        "  FROM times CROSS JOIN stats GROUP BY bin\n)"
    )


def trends_actors_query(
    funnel: FunnelSQL, from_step: int, to_step: int, period: str, drop_off: bool, breakdown: str | None
) -> str:
    """Actors mode of ``trends_query``: who entered in ``period`` (a bound unix time) and
    converted to ``to_step`` (or, with ``drop_off``, reached ``from_step`` but not ``to_step``)."""
    reached = f"m.1 >= {from_step + 1} AND m.1 < {to_step + 1}" if drop_off else f"m.1 >= {to_step + 1}"
    value = f" AND prop_val = {breakdown}" if breakdown is not None else ""
    return (
        f"SELECT aggregation_target AS actor_id\nFROM ({_trends_actors(funnel)})\n"
        f"WHERE m.3 = 0 AND toInt64(period) = {period} AND {reached}{value}\nGROUP BY actor_id"
    )
