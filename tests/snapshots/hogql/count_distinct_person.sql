-- hogql: select count(distinct person_id) from events
SELECT count(DISTINCT `events`.`person_id`) AS `count(DISTINCT person_id)`
FROM (SELECT if(override_distinct_id != '', override_person_id, events.person_id) AS `person_id` FROM events
LEFT JOIN (
    SELECT distinct_id AS override_distinct_id, argMax(person_id, version) AS override_person_id
    FROM person_distinct_id_overrides
    WHERE team_id = {team_id:Int64}
    GROUP BY distinct_id
    HAVING argMax(is_deleted, version) = 0
) AS overrides ON events.distinct_id = overrides.override_distinct_id WHERE events.team_id = {team_id:Int64}) AS `events`
LIMIT {p0:Int64}
-- params:
{
  "p0": 101,
  "team_id": 1
}
