-- hogql: select arrayMap(x -> x * 2, [1, 2, 3])
SELECT arrayMap((`x`) -> multiply(`x`, {p0:Int64}), [{p1:Int64}, {p2:Int64}, {p3:Int64}]) AS `arrayMap(x -> x * 2, [1, 2, 3])`
LIMIT {p4:Int64}
-- params:
{
  "p0": 2,
  "p1": 1,
  "p2": 2,
  "p3": 3,
  "p4": 101
}
