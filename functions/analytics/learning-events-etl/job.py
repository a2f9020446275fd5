"""Learning-events ETL: the monolith's JSON-lines exports to partitioned Parquet.

A Glue 5.0 job (Spark 3.5, Python 3.11) deployed by the DataLake component. Each run reads
the export files (one JSON object per line, gzip allowed) added under --source-path since the
last run (job bookmarks), keeps exactly the columns of --columns cast to their Spark types
(the contract in functions/analytics/clickhouse/tables.ts, handed over by the component as JSON), drops
events without an id, with an unknown --event-types type or without a readable occurred_at,
de-duplicates by event_id within the run, and appends snappy Parquet partitioned by event_date
(the UTC date of occurred_at) under --target-path, where ClickHouse and the crawler read it.

A run that fails before the bookmark is committed reads the same files again, so a row can be
written twice across runs; the ClickHouse table is keyed by event_id and keeps one.

Only main() needs Glue and Spark; the argument parsing above it is plain Python.
"""

import json
import sys

PARTITION_COLUMN = "event_date"
"""The partition column: derived from occurred_at, never read from the export."""

SPARK_TYPES = frozenset({"string", "timestamp", "int", "date"})
"""The Spark SQL types the contract may name."""

REQUIRED_COLUMNS = {
    "event_id": "string",
    "event_type": "string",
    "occurred_at": "timestamp",
    PARTITION_COLUMN: "date",
}
"""Columns the job itself relies on, with the type it relies on."""

ARGUMENTS = ["JOB_NAME", "source-path", "target-path", "columns", "event-types"]
"""Job arguments; getResolvedOptions returns them with dashes as underscores (source_path)."""


def parse_columns(text):
    """The --columns JSON as a list of (name, spark_type), validated against what the job needs."""
    columns = [(str(column["name"]), str(column["sparkType"])) for column in json.loads(text)]
    names = [name for name, _ in columns]
    problems = [
        f"{name}: unknown Spark type {kind}" for name, kind in columns if kind not in SPARK_TYPES
    ]
    problems += [f"{name}: listed twice" for name in sorted(set(names)) if names.count(name) > 1]
    problems += [
        f"{name}: required as {kind}"
        for name, kind in REQUIRED_COLUMNS.items()
        if (name, kind) not in columns
    ]
    if problems:
        raise ValueError("--columns: " + "; ".join(problems))
    return columns


def parse_event_types(text):
    """The --event-types JSON as a non-empty list of strings."""
    types = json.loads(text)
    if not isinstance(types, list) or not types or not all(isinstance(t, str) for t in types):
        raise ValueError("--event-types: expected a non-empty JSON list of strings")
    return types


def select_expressions(columns, present):
    """Spark SQL expressions giving exactly `columns`, in order, from a frame's `present` columns.

    Every column is cast to its contract type, a value that does not cast (or a column missing
    from this run's exports) is null, and event_date is the date of occurred_at in the session
    time zone, which the job sets to UTC.
    """

    def source(name, kind):
        if name == PARTITION_COLUMN:
            return f"TO_DATE({source('occurred_at', 'timestamp')})"
        value = f"`{name}`" if name in present else "NULL"
        return f"TRY_CAST({value} AS {kind.upper()})"

    return [f"{source(name, kind)} AS `{name}`" for name, kind in columns]


def main():
    """Runs the job: read new exports, shape them to the contract, append Parquet, commit."""
    from awsglue.context import GlueContext
    from awsglue.job import Job
    from awsglue.utils import getResolvedOptions
    from pyspark.context import SparkContext
    from pyspark.sql import functions as F

    args = getResolvedOptions(sys.argv, ARGUMENTS)
    columns = parse_columns(args["columns"])
    event_types = parse_event_types(args["event_types"])

    spark_context = SparkContext.getOrCreate()
    # No _SUCCESS marker among the Parquet files that ClickHouse and the crawler read.
    spark_context._jsc.hadoopConfiguration().set(
        "mapreduce.fileoutputcommitter.marksuccessfuljobs", "false"
    )
    glue_context = GlueContext(spark_context)
    spark = glue_context.spark_session
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    logger = glue_context.get_logger()
    job = Job(glue_context)
    job.init(args["JOB_NAME"], args)

    exports = glue_context.create_dynamic_frame.from_options(
        connection_type="s3",
        connection_options={"paths": [args["source_path"]], "recurse": True},
        format="json",
        transformation_ctx="learning_events_exports",
    )
    # A field seen with two types in one run (a number sent as text) is read as text, then cast.
    frame = exports.resolveChoice(choice="cast:string").toDF()
    if not frame.columns:
        logger.info("no new exports since the last run")
        job.commit()
        return

    typed = frame.selectExpr(*select_expressions(columns, set(frame.columns))).cache()
    total = typed.count()
    valid = typed.filter(
        F.col("event_id").isNotNull()
        & F.col("event_type").isin(event_types)
        & F.col("occurred_at").isNotNull()
    )
    kept = valid.dropDuplicates(["event_id"])
    written = kept.count()
    dropped = total - valid.count()
    logger.info(
        f"learning events: read {total}, dropped {dropped} without event_id, with an unknown "
        f"event_type or without occurred_at, {total - dropped - written} duplicates, "
        f"writing {written}"
    )

    (
        kept.write.mode("append")
        .partitionBy(PARTITION_COLUMN)
        .option("compression", "snappy")
        .parquet(args["target_path"])
    )
    job.commit()


if __name__ == "__main__":
    main()
