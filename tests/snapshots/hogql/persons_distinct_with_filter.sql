-- hogql: select distinct properties.sneaky_mail from persons where properties.random_uuid = {random_uuid}
SELECT DISTINCT `persons`.`properties__sneaky_mail` AS `sneaky_mail`
FROM (SELECT nullIf(JSONExtract(persons.properties, {p0:String}, 'Nullable(String)'), '') AS `properties__sneaky_mail`, nullIf(JSONExtract(persons.properties, {p1:String}, 'Nullable(String)'), '') AS `properties__random_uuid` FROM (SELECT id, argMax(created_at, version) AS created_at,
        argMax(properties, version) AS properties, argMax(is_identified, version) AS is_identified
    FROM person WHERE team_id = {team_id:Int64}
    GROUP BY id HAVING argMax(is_deleted, version) = 0) AS persons) AS `persons`
WHERE ifNull(equals(`persons`.`properties__random_uuid`, {p2:String}), 0)
LIMIT {p3:Int64}
-- params:
{
  "p0": "sneaky_mail",
  "p1": "random_uuid",
  "p2": "0188a1b2-0000-7000-8000-000000000001",
  "p3": 101,
  "team_id": 1
}
