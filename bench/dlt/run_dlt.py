"""dlt's rest_api_source with the seed's config, against the stand-in API, into a local duckdb file.

Run by bench/run.ts (stage "dlt") as: python run_dlt.py '<json params>'; prints one JSON line.
The config is the seed's dict (shared/seed), with the base URL of the stand-in and limit=N on the
paginated endpoints, exactly as the streamtap stages get it.
"""
import json
import os
import resource
import sys
import time

params = json.loads(sys.argv[1])
os.environ["API_KEY"] = params["token"]
os.environ.setdefault("RUNTIME__LOG_LEVEL", "WARNING")
os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")

t_import = time.perf_counter()
import dlt  # noqa: E402
from dlt.sources.rest_api import rest_api_source  # noqa: E402

import_seconds = time.perf_counter() - t_import


def config(stop_condition, list_selector):
    paginator = {"type": "cursor", "cursor_param": "after", "cursor_path": "metadata.after"}
    if stop_condition:
        paginator["stop_condition"] = "metadata.after is none"
    limit = {"limit": params["pageSize"]}
    timezones = {"path": "/v1/time_zones"}
    if list_selector:
        timezones["data_selector"] = []
    return {
        "client": {
            "base_url": params["baseUrl"],
            "auth": {"type": "bearer", "token": dlt.secrets["api_key"]},
        },
        "resource_defaults": {"primary_key": "id", "write_disposition": "merge"},
        "resources": [
            # state/period all: every event, as streamtap's bench stages read them (the seed as written reads
            # only the upcoming confirmed ones, SavvyCal's documented defaults, which the stand-in applies)
            {"name": "events", "endpoint": {"path": "/v1/events", "params": {**limit, "state": "all", "period": "all"}, "data_selector": "entries", "paginator": dict(paginator)}},
            {"name": "scheduling_links", "endpoint": {"path": "/v1/links", "params": limit, "data_selector": "entries", "paginator": dict(paginator)}},
            {"name": "timezones", "endpoint": timezones},
        ],
    }


# The seed's dict as written first; where this dlt rejects a key, the nearest dlt form, noted:
# `data_selector: []` (the body is the list) becomes no selector (dlt finds a top-level list itself),
# then `stop_condition` goes (the cursor paginator stops on a null cursor anyway).
attempts = [
    ((True, True), "seed config as written"),
    ((True, False), "timezones without data_selector [] (dlt wants a string JSONPath; it finds the top-level list itself)"),
    ((False, False), "timezones without data_selector [], cursor paginators without stop_condition (not dlt keys here)"),
]
errors = []
source = None
note = ""
for (stop, selector), why in attempts:
    try:
        source = rest_api_source(config(stop, selector))
        note = why
        break
    except Exception as error:  # noqa: BLE001
        errors.append(f"{type(error).__name__}: {str(error).splitlines()[0][:200]}")
if source is None:
    raise SystemExit("dlt rejected every form of the seed config: " + " | ".join(errors))

work = params["workDir"]
pipeline = dlt.pipeline(
    pipeline_name=f"bench_{params['sourceName']}",
    pipelines_dir=os.path.join(work, "pipelines"),
    destination=dlt.destinations.duckdb(os.path.join(work, "bench.duckdb")),
    dataset_name=params["sourceName"],
)

phases = {}
t0 = time.perf_counter()
pipeline.extract(source)
phases["extract"] = time.perf_counter() - t0
t1 = time.perf_counter()
pipeline.normalize()
phases["normalize"] = time.perf_counter() - t1
t2 = time.perf_counter()
pipeline.load()
phases["load"] = time.perf_counter() - t2
seconds = time.perf_counter() - t0

counts = {}
with pipeline.sql_client() as client:
    for table in ("events", "scheduling_links", "timezones"):
        rows = client.execute_sql(f"SELECT count(*), count(DISTINCT id) FROM {table}")
        counts[table] = int(rows[0][0])

cpu = resource.getrusage(resource.RUSAGE_SELF)
children = resource.getrusage(resource.RUSAGE_CHILDREN)
print(
    json.dumps(
        {
            "records": sum(counts.values()),
            "counts": counts,
            "seconds": seconds,
            "phases": phases,
            "importSeconds": import_seconds,
            "maxRssMB": max(cpu.ru_maxrss, children.ru_maxrss) / 1024,
            "cpuS": cpu.ru_utime + cpu.ru_stime + children.ru_utime + children.ru_stime,
            "dlt": dlt.__version__,
            "note": note,
            "rejected": errors,
        }
    )
)
