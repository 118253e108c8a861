-- hogql: select e.event, p.id from events e join persons p on e.person_id = p.id
SELECT `e`.`event` AS `event`, `p`.`id` AS `id`
FROM (SELECT if(override_distinct_id != '', override_person_id, events.person_id) AS `person_id`, events.event AS `event` FROM events
LEFT JOIN (
    SELECT distinct_id AS override_distinct_id, argMax(person_id, version) AS override_person_id
    FROM person_distinct_id_overrides
    WHERE team_id = {team_id:Int64}
    GROUP BY distinct_id
    HAVING argMax(is_deleted, version) = 0
) AS overrides ON events.distinct_id = overrides.override_distinct_id WHERE events.team_id = {team_id:Int64}) AS `e`
JOIN (SELECT persons.id AS `id` FROM (SELECT id, argMax(created_at, version) AS created_at,
        argMax(properties, version) AS properties, argMax(is_identified, version) AS is_identified
    FROM person WHERE team_id = {team_id:Int64}
    GROUP BY id HAVING argMax(is_deleted, version) = 0) AS persons) AS `p` ON equals(`e`.`person_id`, `p`.`id`)
LIMIT {p0:Int64}
-- params:
{
  "p0": 101,
  "team_id": 1
}
