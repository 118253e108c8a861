"""The functions a HogQL query may call: HogQL name → ClickHouse name and argument counts.

Anything not in these tables is refused, so no table function, dictionary,
server-introspection or side-effecting function can be reached. Names are
case-sensitive; ``CASE_INSENSITIVE`` lists the SQL-standard ones also accepted
in other cases (``COUNT``).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass


@dataclass(frozen=True)
class Fn:
    clickhouse: str
    min_args: int = 0
    max_args: int | None = None
    # Parametric aggregates (``quantile(0.5)(x)``): allowed parameter counts.
    min_params: int = 0
    max_params: int | None = 0
    # The project's timezone is appended as the last argument when not given.
    tz_arg: int | None = None


def _same(names: str, min_args: int = 0, max_args: int | None = None) -> dict[str, Fn]:
    return {name: Fn(name, min_args, max_args) for name in names.split()}


FUNCTIONS: dict[str, Fn] = {
    # arithmetic
    **_same("plus minus multiply divide intDiv intDivOrZero modulo moduloOrZero positiveModulo", 2, 2),
    **_same("negate abs sign sqrt cbrt exp exp2 exp10 log ln log2 log10 log1p", 1, 1),
    **_same("sin cos tan asin acos atan sinh cosh tanh erf erfc lgamma tgamma", 1, 1),
    **_same("pow power atan2 hypot gcd lcm", 2, 2),
    **_same("floor ceil trunc round roundBankers", 1, 2),
    **_same("e pi", 0, 0),
    "min2": Fn("least", 2, 2),
    "max2": Fn("greatest", 2, 2),
    **_same("least greatest", 2, None),
    **_same("isNaN isFinite isInfinite", 1, 1),
    # comparison and logic
    **_same("equals notEquals less greater lessOrEquals greaterOrEquals", 2, 2),
    **_same("and or", 2, None),
    **_same("xor", 2, None),
    "not": Fn("not", 1, 1),
    "if": Fn("if", 3, 3),
    "multiIf": Fn("multiIf", 3, None),
    "_caseWithExpression": Fn("caseWithExpression", 4, None),
    **_same("ifNull nullIf", 2, 2),
    **_same("coalesce", 1, None),
    **_same("isNull isNotNull assumeNotNull toNullable isZeroOrNull", 1, 1),
    **_same("in notIn", 2, 2),
    # type conversion
    "toInt": Fn("toInt64OrNull", 1, 1),
    "_toInt64": Fn("toInt64", 1, 1),
    "toFloat": Fn("toFloat64OrNull", 1, 1),
    "toDecimal": Fn("toDecimal64OrNull", 2, 2),
    "toString": Fn("toString", 1, 2),
    "toUUID": Fn("toUUIDOrNull", 1, 1),
    "toBool": Fn("toBool", 1, 1),
    "toDate": Fn("toDateOrNull", 1, 1),
    "toDateTime": Fn("parseDateTime64BestEffortOrNull", 1, 2),
    "toTypeName": Fn("toTypeName", 1, 1),
    **_same("toInt8 toInt16 toInt32 toInt64 toUInt8 toUInt16 toUInt32 toUInt64 toFloat32 toFloat64", 1, 1),
    **_same("toInt64OrNull toInt64OrZero toFloat64OrNull toFloat64OrZero toUInt64OrNull", 1, 1),
    **_same("toIntervalSecond toIntervalMinute toIntervalHour toIntervalDay", 1, 1),
    **_same("toIntervalWeek toIntervalMonth toIntervalQuarter toIntervalYear", 1, 1),
    # dates (the timezone argument is the project's unless given)
    "now": Fn("now64", 0, 0),
    "today": Fn("today", 0, 0),
    "yesterday": Fn("yesterday", 0, 0),
    "toTimeZone": Fn("toTimeZone", 2, 2),
    "toUnixTimestamp": Fn("toUnixTimestamp", 1, 2),
    "fromUnixTimestamp": Fn("fromUnixTimestamp", 1, 1),
    **_same("toYear toQuarter toMonth toDayOfYear toDayOfMonth toDayOfWeek toHour toMinute toSecond", 1, 2),
    **_same("toISOYear toISOWeek toYYYYMM toYYYYMMDD toYYYYMMDDhhmmss", 1, 2),
    **_same("toStartOfYear toStartOfQuarter toStartOfMonth toStartOfDay toStartOfHour", 1, 2),
    **_same("toStartOfMinute toStartOfSecond toStartOfFiveMinutes toStartOfTenMinutes", 1, 2),
    **_same("toStartOfFifteenMinutes toMonday toLastDayOfMonth", 1, 2),
    **_same("toStartOfInterval", 2, 3),
    "toStartOfWeek": Fn("toStartOfWeek", 1, 3),
    "toWeek": Fn("toWeek", 1, 3),
    **_same("dateAdd dateSub", 3, 3),
    **_same("date_add date_sub", 3, 3),
    "dateDiff": Fn("dateDiff", 3, 4),
    "date_diff": Fn("dateDiff", 3, 4),
    "dateTrunc": Fn("dateTrunc", 2, 3),
    "date_trunc": Fn("dateTrunc", 2, 3),
    **_same("addSeconds addMinutes addHours addDays addWeeks addMonths addQuarters addYears", 2, 2),
    **_same("subtractSeconds subtractMinutes subtractHours subtractDays subtractWeeks", 2, 2),
    **_same("subtractMonths subtractQuarters subtractYears", 2, 2),
    "formatDateTime": Fn("formatDateTime", 2, 3),
    "toDateOrNull": Fn("toDateOrNull", 1, 1),
    "parseDateTimeBestEffort": Fn("parseDateTime64BestEffortOrNull", 1, 2),
    # strings
    **_same("empty notEmpty length lengthUTF8 lower upper lowerUTF8 upperUTF8 reverse reverseUTF8", 1, 1),
    **_same("trimLeft trimRight trimBoth base64Encode base64Decode tryBase64Decode", 1, 1),
    **_same("leftPad rightPad leftPadUTF8 rightPadUTF8", 2, 3),
    **_same("concat", 1, None),
    **_same("concatWithSeparator", 2, None),
    **_same("substring substringUTF8", 2, 3),
    "substr": Fn("substring", 2, 3),
    **_same("left right", 2, 2),
    **_same("appendTrailingCharIfAbsent startsWith endsWith repeat", 2, 2),
    **_same("trim", 1, 2),
    **_same("position positionCaseInsensitive positionUTF8 locate", 2, 3),
    **_same("splitByChar splitByString splitByRegexp", 2, 3),
    **_same("splitByWhitespace splitByNonAlpha alphaTokens", 1, 2),
    **_same("arrayStringConcat", 1, 2),
    **_same("format", 1, None),
    **_same("toValidUTF8 normalizeUTF8NFC", 1, 1),
    # search and regular expressions
    **_same("like notLike ilike notILike match", 2, 2),
    **_same("multiSearchAny multiSearchFirstPosition multiMatchAny multiMatchAnyIndex", 2, 2),
    **_same("countSubstrings countSubstringsCaseInsensitive countMatches", 2, 3),
    **_same("extract extractAll extractAllGroupsHorizontal extractAllGroupsVertical", 2, 2),
    **_same("replace replaceAll replaceOne replaceRegexpAll replaceRegexpOne", 3, 3),
    "regexpExtract": Fn("regexpExtract", 2, 3),
    # JSON (on strings)
    **_same("JSONHas JSONLength JSONType", 1, None),
    **_same("JSONExtractUInt JSONExtractInt JSONExtractFloat JSONExtractBool", 1, None),
    **_same("JSONExtractString JSONExtractRaw JSONExtractArrayRaw JSONExtractKeys", 1, None),
    **_same("JSONExtractKeysAndValues JSONExtract", 2, None),
    **_same("isValidJSON", 1, 1),
    **_same("simpleJSONExtractString simpleJSONExtractRaw simpleJSONHas", 2, 2),
    # URLs
    **_same("protocol domain domainWithoutWWW topLevelDomain firstSignificantSubdomain", 1, 1),
    **_same("cutToFirstSignificantSubdomain path pathFull queryString fragment", 1, 1),
    **_same("queryStringAndFragment extractURLParameters extractURLParameterNames", 1, 1),
    **_same("URLHierarchy URLPathHierarchy decodeURLComponent encodeURLComponent", 1, 1),
    **_same("cutWWW cutQueryString cutFragment cutQueryStringAndFragment", 1, 1),
    **_same("extractURLParameter cutURLParameter port", 2, 2),
    # arrays (lambdas allowed where ClickHouse takes them)
    **_same("array", 0, None),
    **_same("range", 1, 3),
    **_same("has hasAll hasAny hasSubstr indexOf countEqual arrayElement", 2, 2),
    **_same("arrayConcat", 1, None),
    **_same("arrayPushBack arrayPushFront arrayResize arrayWithConstant", 2, 3),
    **_same("arrayPopBack arrayPopFront arrayUniq arrayJoin arrayDistinct arrayEnumerate", 1, 1),
    **_same("arrayEnumerateUniq arrayReverse arrayFlatten arrayCompact arrayZip", 1, None),
    **_same("arraySlice", 2, 3),
    **_same("arraySort arrayReverseSort arrayMap arrayFilter arrayExists arrayAll arrayCount", 1, None),
    **_same("arraySum arrayAvg arrayMin arrayMax arrayProduct arrayFirst arrayLast", 1, None),
    **_same("arrayFirstIndex arrayLastIndex arrayCumSum arraySplit arrayFill arrayReverseFill", 1, None),
    **_same("arrayDifference arrayIntersect arrayStringConcat", 1, None),
    **_same("arrayReduce", 2, None),
    **_same("emptyArrayString emptyArrayUInt8 emptyArrayInt64 emptyArrayFloat64", 0, 0),
    **_same("length notEmpty", 1, 1),
    # tuples, maps, hashes, misc
    **_same("tuple", 1, None),
    **_same("tupleElement", 2, 3),
    **_same("map mapKeys mapValues mapContains", 1, None),
    **_same(
        "cityHash64 sipHash64 sipHash128 MD5 SHA1 SHA224 SHA256 xxHash32 xxHash64 murmurHash3_64", 1, None
    ),
    **_same("hex unhex bin unbin", 1, 1),
    **_same("generateUUIDv4", 0, 0),
    **_same("UUIDNumToString UUIDStringToNum", 1, 1),
    **_same("toColumnTypeName bitAnd bitOr bitXor bitNot bitShiftLeft bitShiftRight", 1, 2),
    **_same("greatCircleDistance geoDistance", 4, 4),
    **_same("transform", 3, 4),
    **_same("isIPv4String isIPv6String toIPv4 toIPv6 IPv4NumToString IPv4StringToNum", 1, 1),
    **_same("intervalLengthSeconds", 1, 1),
    "ifNotFinite": Fn("ifNotFinite", 2, 2),
}

QUANTILES = "quantile quantileExact quantileTiming quantileDeterministic quantileTDigest medianTDigest"

AGGREGATES: dict[str, Fn] = {
    **_same("count", 0, 1),
    **_same("countIf", 1, 2),
    **_same("sum avg min max any anyLast anyHeavy uniq uniqExact uniqHLL12 uniqTheta", 1, None),
    **_same("sumIf avgIf minIf maxIf anyIf uniqIf uniqExactIf", 2, None),
    **_same("argMin argMax avgWeighted corr covarPop covarSamp", 2, 2),
    **_same("argMinIf argMaxIf", 3, 3),
    **_same("groupArray groupUniqArray groupArraySorted groupArrayInsertAt", 1, 2),
    **_same("groupArrayIf groupUniqArrayIf", 2, 2),
    **_same("groupBitAnd groupBitOr groupBitXor", 1, 1),
    **_same("stddevPop stddevSamp varPop varSamp skewPop skewSamp kurtPop kurtSamp", 1, 1),
    **_same("median medianExact", 1, 1),
    **_same("sumMap minMap maxMap", 1, None),
    **_same("topK", 1, 1),
    **_same("simpleLinearRegression", 2, 2),
    **_same("windowFunnel retention sequenceMatch sequenceCount", 1, None),
    **{name: Fn(name, 1, 1, 0, 1) for name in QUANTILES.split()},
    "quantiles": Fn("quantiles", 1, 1, 1, None),
    "quantilesExact": Fn("quantilesExact", 1, 1, 1, None),
    "quantileIf": Fn("quantileIf", 2, 2, 0, 1),
    "groupArraySample": Fn("groupArraySample", 1, 1, 1, 2),
    "topKIf": Fn("topKIf", 2, 2, 0, 1),
}
for _name in ("windowFunnel", "sequenceMatch", "sequenceCount"):
    AGGREGATES[_name] = Fn(_name, 1, None, 1, None)
AGGREGATES["topK"] = Fn("topK", 1, 1, 0, 1)

# Window-only functions (``OVER`` required): HogQL name → ClickHouse name.
WINDOW_FUNCTIONS: dict[str, Fn] = {
    **_same("row_number rank dense_rank percent_rank cume_dist", 0, 0),
    "lag": Fn("lagInFrame", 1, 3),
    "lead": Fn("leadInFrame", 1, 3),
    **_same("lagInFrame leadInFrame", 1, 3),
    **_same("first_value last_value", 1, 1),
    **_same("nth_value", 2, 2),
    **_same("ntile", 1, 1),
}

# Suffixes that make a new aggregate from an allow-listed one (``sumIf``, ``uniqArray``).
COMBINATORS = ("If", "Array", "Distinct", "OrNull", "OrDefault", "ForEach")

CASE_INSENSITIVE = {
    "count",
    "sum",
    "avg",
    "min",
    "max",
    "if",
    "coalesce",
    "ifnull",
    "nullif",
    "lower",
    "upper",
}


def lookup_aggregate(name: str) -> Fn | None:
    """The aggregate for ``name``, combinators (``avgIf``, ``uniqExactArray``) included."""
    found = AGGREGATES.get(name) or _insensitive(name, AGGREGATES)
    if found is not None:
        return found
    for suffix in COMBINATORS:
        if name.endswith(suffix) and len(name) > len(suffix):
            base = lookup_aggregate(name[: -len(suffix)])
            if base is not None:
                extra = 1 if suffix == "If" else 0
                max_args = None if base.max_args is None else base.max_args + extra
                return Fn(
                    base.clickhouse + suffix,
                    base.min_args + extra,
                    max_args,
                    base.min_params,
                    base.max_params,
                )
    return None


def lookup_function(name: str) -> Fn | None:
    return FUNCTIONS.get(name) or _insensitive(name, FUNCTIONS)


def _insensitive(name: str, table: dict[str, Fn]) -> Fn | None:
    lowered = name.lower()
    if lowered not in CASE_INSENSITIVE:
        return None
    for key, fn in table.items():
        if key.lower() == lowered:
            return fn
    return None


def suggestion(name: str) -> str:
    """PostHog's ``Perhaps you meant 'x(...)'?`` hint, or an empty string."""
    names = [*FUNCTIONS, *AGGREGATES, *WINDOW_FUNCTIONS]
    close = difflib.get_close_matches(name, [n for n in names if not n.startswith("_")], n=1, cutoff=0.8)
    return f" Perhaps you meant '{close[0]}(...)'?" if close else ""
