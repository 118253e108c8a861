-- hogql: select person.properties.email, person_id from events
SELECT `events`.`person__properties__email` AS `email`, `events`.`person_id` AS `person_id`
FROM (SELECT nullIf(JSONExtract(events.person_properties, {p0:String}, 'Nullable(String)'), '') AS `person__properties__email`, if(override_distinct_id != '', override_person_id, events.person_id) AS `person_id` FROM events
LEFT JOIN (
    SELECT distinct_id AS override_distinct_id, argMax(person_id, version) AS override_person_id
    FROM person_distinct_id_overrides
    WHERE team_id = {team_id:Int64}
    GROUP BY distinct_id
    HAVING argMax(is_deleted, version) = 0
) AS overrides ON events.distinct_id = overrides.override_distinct_id WHERE events.team_id = {team_id:Int64}) AS `events`
LIMIT {p1:Int64}
-- params:
{
  "p0": "email",
  "p1": 101,
  "team_id": 1
}
