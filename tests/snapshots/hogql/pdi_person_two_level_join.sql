-- hogql: SELECT pdi.person.properties.sneaky_mail FROM events
SELECT `events`.`pdi__person__properties__sneaky_mail` AS `sneaky_mail`
FROM (SELECT nullIf(JSONExtract(events__pdi__person.properties, {p0:String}, 'Nullable(String)'), '') AS `pdi__person__properties__sneaky_mail` FROM events
INNER JOIN (SELECT distinct_id, argMax(person_id, version) AS person_id
    FROM person_distinct_id2 WHERE team_id = {team_id:Int64}
    GROUP BY distinct_id HAVING argMax(is_deleted, version) = 0) AS events__pdi ON events.distinct_id = events__pdi.distinct_id
LEFT JOIN (SELECT id, argMax(created_at, version) AS created_at,
        argMax(properties, version) AS properties, argMax(is_identified, version) AS is_identified
    FROM person WHERE team_id = {team_id:Int64}
    GROUP BY id HAVING argMax(is_deleted, version) = 0) AS events__pdi__person ON events__pdi.person_id = events__pdi__person.id WHERE events.team_id = {team_id:Int64}) AS `events`
LIMIT {p1:Int64}
-- params:
{
  "p0": "sneaky_mail",
  "p1": 101,
  "team_id": 1
}
