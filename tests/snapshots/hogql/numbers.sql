-- hogql: select number from numbers(10)
SELECT `numbers`.`number` AS `number`
FROM numbers({p0:Int64}) AS `numbers`
LIMIT {p1:Int64}
-- params:
{
  "p0": 10,
  "p1": 101
}
