"""Writes the conformance cases (one JSON file per dlt test file) from dlt's test sources.

    python3 test/conformance/dlt/translate.py <dlt checkout> <commit>

It reads literal data with extract.py (ast, nothing executed) and turns each parametrized case into a case
of one kind the runner (test/conformance/dlt.test.ts) knows. What a case expects is dlt's outcome, taken
from the test body (quoted in `asserts`). Python-only inputs are marked not applicable with the reason;
where a JS function can stand in, the case names the stand-in (`{"$js": name}`, defined in the runner).
Literal secrets become secret references (streamtap refuses a literal token: a documented deviation),
noted in the case's `adapted`.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from extract import main as _unused  # noqa: F401  (same folder; keeps the two in step)
import ast  # noqa: E402
import extract  # noqa: E402

ROOT, COMMIT = sys.argv[1], sys.argv[2]
OUT = os.path.dirname(os.path.abspath(__file__))
SECRET_KEYS = {"token", "api_key", "password", "client_secret", "access_token"}


def load(rel):
    src = open(f"{ROOT}/{rel}").read()
    tree = ast.parse(src)
    consts, params = {}, {}
    for stmt in tree.body:
        target = None
        if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name):
            target, value = stmt.targets[0].id, stmt.value
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value:
            target, value = stmt.target.id, stmt.value
        if target:
            consts[target] = extract.conv(value, src, consts)
    return src, tree, consts


def parametrized(rel, consts_from=None):
    src, tree, consts = load(rel)
    if consts_from:
        consts = {**consts_from, **consts}
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            for dec in node.decorator_list:
                if isinstance(dec, ast.Call) and ast.get_source_segment(src, dec.func).endswith("parametrize"):
                    values = extract.conv(dec.args[1], src, consts)
                    out.append((node.name, extract.conv(dec.args[0], src, consts), values))
    return out


def python_only(value, path=""):
    """The first Python-only marker inside a value, as a reason, or None."""
    if isinstance(value, dict):
        for key in ("$call", "$name", "$lambda", "$expr"):
            if key in value:
                return f"{path or 'value'} is Python ({value[key] if key != '$call' else value[key] + '(...)'})"
        for k, v in value.items():
            r = python_only(v, f"{path}.{k}" if path else k)
            if r:
                return r
    if isinstance(value, list):
        for i, v in enumerate(value):
            r = python_only(v, f"{path}[{i}]")
            if r:
                return r
    return None


def adapt_secrets(value, notes, key=None):
    if isinstance(value, dict):
        return {k: adapt_secrets(v, notes, k) for k, v in value.items()}
    if isinstance(value, list):
        return [adapt_secrets(v, notes) for v in value]
    if key in SECRET_KEYS and isinstance(value, str):
        notes.add("literal secret -> secret reference (streamtap refuses literal secrets: deliberate deviation)")
        return {"$secret": f"conformance_{key}"}
    return value


# Python values a TS config can express: the stand-in is data the runner understands.
STAND_INS = {
    "SinglePagePaginator()": {"type": "single_page"},
    "OffsetPaginator(limit=100)": {"type": "offset", "limit": 100},
}


def stand_in(value, notes):
    if isinstance(value, dict):
        if "$call" in value:
            text = value["$call"] + "(" + ",".join(json.dumps(a) for a in value["args"]) + ")"
            if value["$call"] in ("SinglePagePaginator",) and not value["args"]:
                notes.add("SinglePagePaginator() -> {type: single_page}")
                return {"type": "single_page"}
            if value["$call"] == "HttpBasicAuth" and len(value["args"]) == 2:
                notes.add(f"{text} -> {{type: http_basic}}")
                return {"type": "http_basic", "username": value["args"][0], "password": value["args"][1]}
            return value
        if "$lambda" in value:
            src = value["$lambda"]
            if src in ("lambda event: event[\"type\"]", "lambda item: item[\"type\"]"):
                notes.add(f"{src} -> JS function (record) => record.type")
                return {"$js": "table_name_from_type"}
            return value
        return {k: stand_in(v, notes) for k, v in value.items()}
    if isinstance(value, list):
        return [stand_in(v, notes) for v in value]
    return value


def config_case(test, index, config, kind, expect, asserts):
    notes = set()
    config = stand_in(config, notes)
    config = adapt_secrets(config, notes)
    case = {"id": f"{test}[{index}]", "test": test, "kind": kind, "config": config, "expect": expect, "asserts": asserts}
    if notes:
        case["adapted"] = sorted(notes)
    reason = python_only(config)
    if reason:
        case["not_applicable"] = reason + ": a Python object with no config form"
    return case


def write(rel, cases, untranslated=None):
    name = os.path.basename(rel).replace(".py", ".json")
    doc = {
        "source": {"repo": "dlt-hub/dlt", "commit": COMMIT, "file": rel},
        "untranslated": untranslated or {},
        "cases": cases,
    }
    with open(os.path.join(OUT, name), "w") as f:
        json.dump(doc, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"{name}: {len(cases)} cases")


# ── tests/sources/rest_api/configurations/test_configuration.py ──
SC = "tests/sources/rest_api/configurations/source_configs.py"
_, _, sc = load(SC)
cases = []
for i, c in enumerate(sc["INVALID_CONFIGS"]):
    kw = c["kwargs"]
    cases.append(
        config_case(
            "test_invalid_configurations", i, kw["config"], "config_invalid",
            {"dlt_exception": kw["exception"]["$name"], "dlt_message": kw["expected_message"]},
            "with pytest.raises(exception, match=expected_message): rest_api_source(invalid_config)",
        )
    )
for i, c in enumerate(sc["VALID_CONFIGS"]):
    cases.append(config_case("test_valid_configurations", i, c, "config_valid", {}, "rest_api_source(valid_config)"))
for i, c in enumerate(sc["VALID_CONFIGS"]):
    cases.append(
        config_case(
            "test_configurations_dict_is_not_modified_in_place", i, c, "config_not_mutated", {},
            "config_copy = deepcopy(config); rest_api_source(config); assert config_copy == config",
        )
    )
TC = "tests/sources/rest_api/configurations/test_configuration.py"
for test, names, values in parametrized(TC):
    if test in ("test_paginator_overrides", "test_paginator_overrides_single_entity_paths"):
        for i, (config, client, endpoint) in enumerate(values):
            # dlt hands RESTClient the client paginator and the endpoint paginator; the endpoint one wins when set.
            effective = endpoint if endpoint not in (None,) else client
            if isinstance(effective, dict) and effective.get("$name") == "SinglePagePaginator":
                effective = "single_page"
            cases.append(
                config_case(
                    test, i, config, "effective_paginator",
                    {"paginator": effective, "resource": -1 if test.endswith("entity_paths") else 0},
                    "the paginator RESTClient.paginate uses: the endpoint's if set, else the client's "
                    "(markers __client_paginator__ etc. are distinct json_link paginators)",
                )
            )
    elif test == "test_resource_schema":
        pass
write(
    TC,
    cases,
    {
        "test_resource_expand, test_resource_endpoint_deep_merge, test_resource_endpoint_shallow_merge, "
        "test_resource_merge_with_objects, test_resource_merge_with_none, test_setup_for_single_item_endpoint, "
        "test_resource_schema, test_resource_hints_are_passed_to_resource_constructor, "
        "test_resource_defaults_params_*, test_resource_overrides_with_explicit_none, "
        "test_accepts_DltResource_in_resources, test_resource_defaults_dont_apply_to_DltResource, "
        "test_multiple_dlt_resources": "call dlt's internal merge helpers or take DltResource objects; "
        "not translated in this pass",
    },
)

# ── test_paginator_config.py ──
PC = "tests/sources/rest_api/configurations/test_paginator_config.py"
PAGINATOR_TYPES = ["json_link", "json_response", "header_link", "header_cursor", "auto", "single_page", "cursor", "offset", "page_number"]
cases = []
for i, t in enumerate(PAGINATOR_TYPES):
    cfg = {"client": {"base_url": "https://api.example.com", "paginator": t}, "resources": ["posts"]}
    if t == "offset":
        cases.append(config_case("test_paginator_shorthands", i, cfg, "config_invalid", {"dlt_exception": "ValueError", "dlt_message": "offset"}, "create_paginator('offset') raises ValueError naming offset"))
    else:
        cases.append(config_case("test_paginator_shorthands", i, cfg, "effective_paginator", {"paginator": None if t == "auto" else {"type": t}, "resource": 0}, "create_paginator(paginator_type) (auto: None)"))
for i, p in enumerate(sc["PAGINATOR_TYPE_CONFIGS"]):
    cfg = {"client": {"base_url": "https://api.example.com", "paginator": p}, "resources": ["posts"]}
    expect = {
        "auto": None,
        "single_page": {"type": "single_page"},
        "page_number": {"type": "page_number", "page": 10, "base_page": 1, "total_path": "response.pages"},
        "offset": {"type": "offset", "limit": 100, "offset": 0, "total_path": "total", "maximum_offset": 1000},
        "header_link": {"type": "header_link", "links_next_key": "next_page"},
        "header_cursor": {"type": "header_cursor", "cursor_key": "X-Next-Cursor", "cursor_param": "cursor"},
        "json_link": {"type": "json_link", "next_url_path": "response.nex_page_link"},
        "cursor": {"type": "cursor", "cursor_path": "cursors.next", "cursor_param": "cursor"},
    }[p["type"]]
    cases.append(config_case("test_paginator_type_configs", i, cfg, "effective_paginator", {"paginator": expect, "resource": 0}, "create_paginator(config): type and defaults"))
cases.append(config_case("test_page_number_paginator_creation", 0, {"client": {"base_url": "https://api.example.com", "paginator": {"type": "page_number", "page_param": "foobar", "total_path": "response.pages", "base_page": 1, "maximum_page": 5}}, "resources": ["posts"]}, "config_valid", {}, "rest_api_source(config) raises no DictValidationException"))
cases.append(config_case("test_error_message_invalid_paginator", 0, {"client": {"base_url": "https://api.example.com", "paginator": "non_existing_method"}, "resources": ["posts"]}, "config_invalid", {"dlt_exception": "ValueError", "dlt_message": "Invalid paginator: non_existing_method. Available options: ..."}, "create_paginator('non_existing_method') raises ValueError"))
write(PC, cases, {"test_paginator_instance_config, test_allow_deprecated_json_response_paginator*": "take paginator instances / need dlt's mock server"})

# ── test_auth_config.py ──
AC = "tests/sources/rest_api/configurations/test_auth_config.py"
cases = []
AUTH_TYPES = ["bearer", "api_key", "http_basic", "oauth2_client_credentials"]
AUTH_ENV = {"token": "token", "api_key": "api_key", "username": "username", "password": "password", "access_token_url": "https://example.com/oauth/token", "client_id": "a_client_id", "client_secret": "a_client_secret"}
for i, t in enumerate(AUTH_TYPES):
    cfg = {"client": {"base_url": "https://api.example.com", "auth": t}, "resources": ["posts"]}
    cases.append(config_case("test_auth_shorthands", i, cfg, "auth_resolved", {"env": AUTH_ENV, "auth": {"type": t}}, "create_auth(auth_type) fills every field from the credentials section"))
for i, a in enumerate(sc["AUTH_TYPE_CONFIGS"]):
    cfg = {"client": {"base_url": "https://api.example.com", "auth": a}, "resources": ["posts"]}
    env = {"api_key": "api_key", "name": "session-cookie", "password": "password", "client_secret": "a_client_secret", "client_id": "a_client_id"}
    cases.append(config_case("test_auth_type_configs", i, cfg, "auth_resolved", {"env": env, "auth": {"type": a["type"]}}, "create_auth(auth_type_config) fills the missing fields from the credentials section"))
cases.append(config_case("test_bearer_token_fallback", 0, {"client": {"base_url": "https://api.example.com", "auth": {"token": "secret"}}, "resources": ["posts"]}, "auth_resolved", {"env": {}, "auth": {"type": "bearer"}}, "create_auth({'token': ...}) is BearerTokenAuth"))
cases.append(config_case("test_error_message_invalid_auth_type", 0, {"client": {"base_url": "https://api.example.com", "auth": "non_existing_method"}, "resources": ["posts"]}, "config_invalid", {"dlt_exception": "ValueError", "dlt_message": "Invalid authentication: non_existing_method."}, "create_auth('non_existing_method') raises ValueError"))
write(AC, cases, {"test_auth_instance_config, test_error_message_incorrect_auth_object, test_secret_masking_*, test_validation_masks_auth_secrets": "take Python auth instances or test dlt's internal _mask_secrets helper"})

# ── test_resolve_config.py ──
RC = "tests/sources/rest_api/configurations/test_resolve_config.py"
cases = []
for test, names, values in parametrized(RC):
    for i, v in enumerate(values):
        if test == "test_dependent_resource_can_bind_multiple_parameters":
            cases.append(config_case(test, i, v, "config_valid", {"parents": {"user_details": "users"}}, "resources['user_details']._pipe.parent.name == 'users'"))
        elif test == "test_one_resource_cannot_bind_two_parents":
            config = v[0]
            cases.append(config_case(test, i, config, "config_invalid", {"dlt_exception": "ValueError", "dlt_message": "Multiple parent resources for resource `user_details`"}, "with pytest.raises(ValueError): 'Multiple parent resources for resource `user_details`'"))
        elif test == "test_resource_dependent_dependent":
            cases.append(config_case(test, i, v, "config_valid", {"parents": {"meetings": "location_details", "location_details": "locations"}}, "a child of a child resolves"))
        elif test == "test_circular_resource_bindingis_invalid":
            cases.append(config_case(test, i, v, "config_invalid", {"dlt_exception": "CycleError", "dlt_message": "Arrays have cycles"}, "with pytest.raises(CycleError)"))
write(RC, cases, {"test_bind_path_param, test_process_parent_data_item, test_two_resources_can_depend_on_one_parent_resource": "call dlt's internal helpers; parent binding is covered by rest-resolve unit tests"})

# ── tests/sources/helpers/rest_client/test_detector.py ──
DC = "tests/sources/helpers/rest_client/test_detector.py"
_, _, dc = load(DC)
PTYPE = {"OffsetPaginator": "single_page", "PageNumberPaginator": "page_number", "JSONLinkPaginator": "json_link", "HeaderLinkPaginator": "header_link", "SinglePagePaginator": "single_page", "JSONResponseCursorPaginator": "cursor"}
cases = []
for i, tc in enumerate(dc["TEST_RESPONSES"]):
    exp = tc["expected"]
    cases.append({"id": f"test_find_response_page_data[{i}]", "test": "test_find_response_page_data", "kind": "detect_records", "response": tc["response"], "expect": {"records_path": exp["records_path"]}, "asserts": "'.'.join(find_response_page_data(response)[0]) == records_path"})
for i, tc in enumerate(dc["TEST_RESPONSES"]):
    exp = tc["expected"]
    cases.append({"id": f"test_find_next_page_key[{i}]", "test": "test_find_next_page_key", "kind": "detect_next_path", "response": tc["response"], "expect": {"next_path": ".".join(exp["next_path"]) if "next_path" in exp else None}, "asserts": "find_next_page_path(response)[0] == next_path (or None)"})
for i, tc in enumerate(dc["TEST_RESPONSES"]):
    exp = tc["expected"]
    t = PTYPE[exp["type"]["$name"]]
    e = {"type": t}
    if t == "page_number":
        e["total_path"] = ".".join(exp["total_path"])
    if t == "json_link":
        e["next_url_path"] = ".".join(exp["next_path"])
    if t == "cursor":
        e["cursor_path"] = ".".join(exp["next_path"])
    links = tc.get("links")
    cases.append({"id": f"test_find_paginator[{i}]", "test": "test_find_paginator", "kind": "detect_paginator", "response": tc["response"], "links": links, "expect": {"paginator": e}, "asserts": "type(paginator) is expected type (OffsetPaginator is never detected: SinglePagePaginator); its path"})
for test, names, values in parametrized(DC, dc):
    if test.startswith("test_single_entity_path"):
        for i, p in enumerate(values):
            cases.append({"id": f"{test}[{i}]", "test": test, "kind": "single_entity_path", "path": p, "expect": {"single_entity": test.endswith("_valid")}, "asserts": f"single_entity_path(path) is {test.endswith('_valid')}"})
write(DC, cases)

# ── test_interpolation.py: dlt-internal helpers ──
IC = "tests/sources/rest_api/test_interpolation.py"
cases = []
for test, names, values in parametrized(IC):
    for i, v in enumerate(values):
        cases.append({"id": f"{test}[{i}]", "test": test, "kind": "none", "not_applicable": "tests dlt's internal placeholder helpers (expand_placeholders, find_expressions) with Python objects; streamtap's placeholders are proven through configs (rest-expressions unit tests)", "input": v})
write(IC, cases)
