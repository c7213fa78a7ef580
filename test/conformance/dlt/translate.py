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

# ── tests/sources/helpers/rest_client/test_paginators.py ──
# dlt's paginator unit tests call methods on paginator objects with mocked responses; their data is translated
# by hand into steps the runner plays against streamtap's paginator of the same config (kind "paginator"):
# init / update (a response and the records selected from it; dlt's data=None is no records) / next, each with
# what dlt asserts afterwards. dlt's private state is read through what it changes: `current_value` and
# `_next_reference` become the parameter, body field or URL the next request carries ("next_*" expectations
# look at a scratch copy of the request after next()). Setting `current_value = 2` directly becomes a config
# that starts at 2 (noted in `adapted`).
PG = "tests/sources/helpers/rest_client/test_paginators.py"
NON_EMPTY = [{"some": "data"}]
cases = []


def pcase(cls, test, paginator, steps, request=None, adapted=None, index=None):
    cid = f"{cls}::{test}" + (f"[{index}]" if index is not None else "")
    c = {"id": cid, "test": f"{cls}::{test}", "kind": "paginator", "paginator": paginator, "steps": steps,
         "asserts": "the paginator's has_next_page and the next request after each step, as the dlt test asserts"}
    if request:
        c["request"] = request
    if adapted:
        c["adapted"] = adapted
    cases.append(c)


def pinvalid(cls, test, paginator, message, index=None):
    cid = f"{cls}::{test}" + (f"[{index}]" if index is not None else "")
    cases.append(config_case(f"{cls}::{test}", index if index is not None else 0,
                             {"client": {"base_url": "https://api.example.com", "paginator": paginator}, "resources": ["posts"]},
                             "config_invalid", {"dlt_exception": "ValueError", "dlt_message": message},
                             "the paginator's constructor raises ValueError"))
    cases[-1]["id"] = cid


def pvalid(cls, test, paginator, index=None, expect=None):
    cid = f"{cls}::{test}" + (f"[{index}]" if index is not None else "")
    cases.append(config_case(f"{cls}::{test}", index if index is not None else 0,
                             {"client": {"base_url": "https://api.example.com", "paginator": paginator}, "resources": ["posts"]},
                             "effective_paginator" if expect else "config_valid",
                             {"paginator": expect, "resource": 0} if expect else {},
                             "the paginator's constructor accepts it" + (" with these settings" if expect else "")))
    cases[-1]["id"] = cid


def paginate(cls, test, path, paginator, total_pages=5, method=None, json_body=None):
    c = {"id": f"{cls}::{test}", "test": f"{cls}::{test}", "kind": "client_paginate", "path": path,
         "paginator": paginator, "expect": {"total_pages": total_pages, "page_size": 5},
         "asserts": "assert_pagination(pages): page i holds posts i*5 .. i*5+4 (dlt's mock API, ported to TS)"}
    if method:
        c["method"] = method
    if json_body is not None:
        c["json"] = json_body
    cases.append(c)


U = lambda json=None, data=NON_EMPTY, headers=None, links=None, **expect: {  # noqa: E731
    "update": {k: v for k, v in {"json": json, "headers": headers, "links": links}.items() if v is not None},
    "data": data, "expect": expect}
INIT = lambda **expect: {"init": True, "expect": expect}  # noqa: E731
NEXT = lambda **expect: {"next": True, "expect": expect}  # noqa: E731

C = "TestHeaderLinkPaginator"
pcase(C, "test_update_state_with_next", {"type": "header_link"}, [INIT(), U(links={"next": {"url": "http://example.com/next"}}, has_next_page=True, next_url="http://example.com/next")])
pcase(C, "test_update_state_without_next", {"type": "header_link"}, [INIT(), U(links={}, has_next_page=False)])
paginate(C, "test_client_pagination", "/posts_header_link", {"type": "header_link"})

C = "TestJSONLinkPaginator"
for i, (nup, body, ref, more) in enumerate([
    (None, {"next": "http://example.com/next", "results": []}, "http://example.com/next", True),
    ("next_page", {"next_page": "http://example.com/next", "results": []}, "http://example.com/next", True),
    ("next_page.url", {"next_page": {"url": "http://example.com/next"}, "results": []}, "http://example.com/next", True),
    (None, {"results": []}, None, False),
    ("['@odata.nextLink']", {"@odata.nextLink": "http://example.com/odata-nextlink", "value": []}, "http://example.com/odata-nextlink", True),
    ('["@odata.nextLink"]', {"@odata.nextLink": "http://example.com/odata-nextlink", "value": []}, "http://example.com/odata-nextlink", True),
]):
    p = {"type": "json_link"} if nup is None else {"type": "json_link", "next_url_path": nup}
    exp = {"has_next_page": more}
    if ref:
        exp["next_url"] = ref
    pcase(C, "test_update_state", p, [INIT(), U(json=body, data=[], **exp)], index=i)
for i, (ref, url, expected) in enumerate([
    ("http://example.com/api/resource?page=2", "http://example.com/api/resource", "http://example.com/api/resource?page=2"),
    ("/api/resource?page=2", "http://example.com/api/resource", "http://example.com/api/resource?page=2"),
    ("/api/resource/subresource?page=3&sort=desc", "http://example.com/api/resource/subresource", "http://example.com/api/resource/subresource?page=3&sort=desc"),
    ("/api/page/4/items?filter=active", "http://example.com/api/page/3/items", "http://example.com/api/page/4/items?filter=active"),
    ("/api/resource?page=3&category=books&sort=author", "http://example.com/api/resource?page=2", "http://example.com/api/resource?page=3&category=books&sort=author"),
    ("/api/resource?page=2", "http://example.com:8080/api/resource", "http://example.com:8080/api/resource?page=2"),
    ("https://secure.example.com/api/resource?page=2", "https://secure.example.com/api/resource", "https://secure.example.com/api/resource?page=2"),
    ("/api/resource?page=2&query=%E3%81%82", "http://example.com/api/resource", "http://example.com/api/resource?page=2&query=%E3%81%82"),
    ("/api/resource?sort=asc", "http://example.com/api/resource?page=1", "http://example.com/api/resource?sort=asc"),
]):
    pcase(C, "test_update_request", {"type": "json_link"}, [INIT(), U(json={"next": ref}), NEXT(url=expected)],
          request={"url": url}, adapted=["paginator._next_reference = ref -> a response whose `next` holds ref"], index=i)
pcase(C, "test_no_duplicate_params_on_update_request", {"type": "json_link"},
      [INIT(), U(json={"next": "/api/resource?page=2&param1=value1"}), NEXT(url="http://example.com/api/resource?page=2&param1=value1")],
      request={"url": "http://example.com/api/resource?param1=value1"})
paginate(C, "test_client_pagination", "/posts", {"type": "json_link", "next_url_path": "next_page"})

C = "TestSinglePagePaginator"
pcase(C, "test_update_state", {"type": "single_page"}, [INIT(), U(json={}, has_next_page=False)])
pcase(C, "test_update_state_with_next", {"type": "single_page"}, [INIT(), U(json={"next": "http://example.com/next", "results": []}, links={"next": {"url": "http://example.com/next"}}, has_next_page=False)])
paginate(C, "test_client_pagination", "/posts", {"type": "single_page"}, total_pages=1)

C = "TestRangePaginator"
cases.append({"id": f"{C}::test_init", "test": f"{C}::test_init", "kind": "none",
              "not_applicable": "RangePaginator is dlt's internal base class (no config type); its param rules are tested through offset and page_number below"})
cases.append({"id": f"{C}::test_range_paginator_update", "test": f"{C}::test_range_paginator_update", "kind": "none",
              "not_applicable": "calls RangePaginator's private static helpers with empty names; streamtap refuses empty names at load (test_empty_*_params below)"})

C = "TestOffsetPaginator"
pcase(C, "test_update_state", {"type": "offset", "offset": 0, "limit": 10},
      [INIT(), U(json={"total": 20}, has_next_page=True, next_params={"offset": "10"}), U(json={"total": 20}, data=None, has_next_page=False)])
pvalid(C, "test_page_param_initialization", {"type": "offset", "limit": 100}, 0, {"type": "offset"})
pcase(C, "test_page_param_initialization", {"type": "offset", "limit": 100}, [INIT(params={"offset": "0"})], index=1)
pcase(C, "test_page_param_initialization", {"type": "offset", "limit": 100, "offset_param": "offset_param"}, [INIT(params={"offset_param": "0"}, no_params=["offset"])], index=2)
pcase(C, "test_page_param_initialization", {"type": "offset", "limit": 100, "offset_body_path": "offset_body_path"}, [INIT(json={"offset_body_path": 0}, no_params=["offset"])], request={"method": "POST"}, index=3)
pcase(C, "test_update_state_with_string_total", {"type": "offset", "offset": 0, "limit": 10}, [INIT(), U(json={"total": "20"}, has_next_page=True, next_params={"offset": "10"})])
pcase(C, "test_update_state_with_invalid_total", {"type": "offset", "offset": 0, "limit": 10}, [INIT(), U(json={"total": "invalid"}, error=True)])
pcase(C, "test_update_state_without_total", {"type": "offset", "offset": 0, "limit": 10}, [INIT(), U(json={}, error=True)])
pcase(C, "test_update_state_with_has_more", {"type": "offset", "offset": 0, "limit": 10, "total_path": None, "has_more_path": "has_more"}, [INIT(), U(json={"has_more": False}, has_next_page=False)])
pcase(C, "test_update_state_with_string_has_more", {"type": "offset", "offset": 0, "limit": 10, "total_path": None, "has_more_path": "has_more"}, [INIT(), U(json={"has_more": "true"}, has_next_page=True)])
pcase(C, "test_update_state_with_invalid_has_more", {"type": "offset", "offset": 0, "limit": 10, "total_path": None, "has_more_path": "has_more"}, [INIT(), U(json={"has_more": "invalid"}, error=True)])
pcase(C, "test_update_state_without_has_more", {"type": "offset", "offset": 0, "limit": 10, "total_path": None, "has_more_path": "has_more"}, [INIT(), U(json={}, error=True)])
pcase(C, "test_init_request", {"type": "offset", "offset": 123, "limit": 42},
      [INIT(params={"offset": "123", "limit": "42"}), U(json={"total": 200}), NEXT(params={"offset": "165", "limit": "42"})])
pinvalid(C, "test_both_offset_param_and_offset_body_path_raises_error", {"type": "offset", "limit": 100, "offset_param": "cursor", "offset_body_path": "page"}, "Either 'offset_param' or 'offset_body_path' must be provided, not both")
ADAPT_CV = ["paginator.current_value = 2 -> the paginator starts at 2"]
pcase(C, "test_update_request_json", {"type": "offset", "limit": 100, "offset": 2, "offset_body_path": "offset"}, [INIT(json={"offset": 2})], request={"method": "POST"}, adapted=ADAPT_CV)
pcase(C, "test_update_request_json_nested", {"type": "offset", "limit": 100, "offset": 2, "offset_body_path": "pagination.offset"}, [INIT(json={"pagination": {"offset": 2}})], request={"method": "POST"}, adapted=ADAPT_CV)
pcase(C, "test_update_request_json_with_existing_json", {"type": "offset", "limit": 100, "offset": 2, "offset_body_path": "offset"}, [INIT(json={"existing": "data", "offset": 2})], request={"method": "POST", "json": {"existing": "data"}}, adapted=ADAPT_CV)
pcase(C, "test_maximum_offset", {"type": "offset", "offset": 0, "limit": 50, "maximum_offset": 100, "total_path": None},
      [INIT(), U(json={"items": []}, has_next_page=True, next_params={"offset": "50"}), U(json={"items": []}, has_next_page=False, next_params={"offset": "100"})])
paginate(C, "test_client_pagination", "/posts_offset_limit", {"type": "offset", "offset": 0, "limit": 5, "total_path": "total_records"})
paginate(C, "test_client_pagination_with_json", "/posts_offset_limit_via_json_body", {"type": "offset", "offset": 0, "limit": 5, "offset_body_path": "offset", "limit_body_path": "limit", "total_path": "total_records"}, method="POST", json_body={"limit": 5, "offset": 0, "ids_greater_than": -1})
pcase(C, "test_stop_after_empty_page", {"type": "offset", "offset": 0, "limit": 50, "maximum_offset": 100, "total_path": None, "stop_after_empty_page": True}, [INIT(), U(json={"items": []}, data=[], has_next_page=False)])
pvalid(C, "test_guarantee_termination", {"type": "offset", "limit": 10, "total_path": None}, 0)
pvalid(C, "test_guarantee_termination", {"type": "offset", "limit": 10, "total_path": None, "maximum_offset": 1, "stop_after_empty_page": False}, 1)
pvalid(C, "test_guarantee_termination", {"type": "offset", "limit": 10, "total_path": None, "has_more_path": "has_more", "stop_after_empty_page": False}, 2)
MSG = "`total_path`, `maximum_offset`, `has_more_path`, or `stop_after_empty_page` must be provided"
pinvalid(C, "test_guarantee_termination", {"type": "offset", "limit": 10, "total_path": None, "stop_after_empty_page": False}, MSG, 3)
pinvalid(C, "test_guarantee_termination", {"type": "offset", "limit": 10, "total_path": None, "stop_after_empty_page": False, "maximum_offset": None}, MSG, 4)
pinvalid(C, "test_guarantee_termination", {"type": "offset", "limit": 10, "total_path": None, "stop_after_empty_page": False, "maximum_offset": None, "has_more_path": None}, MSG, 5)
for i, (a, b) in enumerate([(None, None), ("", None), (None, ""), ("", "")]):
    p = {"type": "offset", "limit": 100, "offset_param": a, "offset_body_path": b}
    if i == 0:
        pcase(C, "test_empty_offset_params", p, [INIT(params={"offset": "0"})], index=i)
    else:
        pinvalid(C, "test_empty_offset_params", p, "Either 'offset_param' or 'offset_body_path' must be provided", i)
for i, (a, b) in enumerate([(None, None), ("", None), (None, ""), ("", "")]):
    p = {"type": "offset", "limit": 100, "limit_param": a, "limit_body_path": b}
    if i == 0:
        pcase(C, "test_empty_limit_params", p, [INIT(params={"limit": "100"})], index=i)
    else:
        pinvalid(C, "test_empty_limit_params", p, "Either 'limit_param' or 'limit_body_path' must be provided", i)

C = "TestPageNumberPaginator"
pcase(C, "test_update_state", {"type": "page_number", "base_page": 1, "page": 1, "total_path": "total_pages"},
      [INIT(), U(json={"total_pages": 3}, has_next_page=True, next_params={"page": "2"}), U(json={"total_pages": 3}, has_next_page=True, next_params={"page": "3"}), U(json={"total_pages": 3}, has_next_page=False)])
pcase(C, "test_page_param_initialization", {"type": "page_number", "total_path": None}, [INIT(params={"page": "0"})], index=0,
      adapted=["PageNumberPaginator() with no total_path -> total_path null (the default `total` needs a response to read)"])
pcase(C, "test_page_param_initialization", {"type": "page_number", "page_param": "page_param", "total_path": None}, [INIT(params={"page_param": "0"}, no_params=["page"])], index=1)
pcase(C, "test_page_param_initialization", {"type": "page_number", "page_body_path": "page_body_path", "total_path": None}, [INIT(json={"page_body_path": 0}, no_params=["page"])], request={"method": "POST"}, index=2)
pcase(C, "test_init_request", {"type": "page_number", "base_page": 1, "total_path": None},
      [INIT(has_next_page=True, params={"page": "1"}), U(json="OK"), NEXT(has_next_page=True, params={"page": "2"}), U(json="OK", data=None), NEXT(has_next_page=False, params={"page": "2"}), INIT(has_next_page=True, params={"page": "1"})])
pinvalid(C, "test_both_page_param_and_page_body_path_raises_error", {"type": "page_number", "page_param": "cursor", "page_body_path": "page"}, "Either 'page_param' or 'page_body_path' must be provided, not both")
pcase(C, "test_update_state_with_string_total_pages", {"type": "page_number", "base_page": 1, "page": 1}, [INIT(), U(json={"total": "3"}, has_next_page=True, next_params={"page": "2"})])
pcase(C, "test_update_state_with_invalid_total_pages", {"type": "page_number", "base_page": 1, "page": 1}, [INIT(), U(json={"total_pages": "invalid"}, error=True)])
pcase(C, "test_update_state_without_total_pages", {"type": "page_number", "base_page": 1, "page": 1}, [INIT(), U(json={}, error=True)])
HM = {"type": "page_number", "page": 1, "total_path": None, "has_more_path": "has_more"}
pcase(C, "test_update_state_with_has_more", HM, [INIT(), U(json={"has_more": False}, has_next_page=False)])
pcase(C, "test_update_state_with_string_has_more", HM, [INIT(), U(json={"has_more": "true"}, has_next_page=True)])
pcase(C, "test_update_state_with_invalid_has_more", HM, [INIT(), U(json={"has_more": "invalid"}, error=True)])
pcase(C, "test_update_state_without_has_more", HM, [INIT(), U(json={}, error=True)])
pcase(C, "test_update_request_param", {"type": "page_number", "base_page": 1, "page": 1, "page_param": "page"},
      [INIT(), U(json={"total": 3}), NEXT(params={"page": "2"}), U(json={"total": 3}), NEXT(params={"page": "3"})])
pcase(C, "test_update_request_json", {"type": "page_number", "base_page": 1, "page": 2, "page_body_path": "page"}, [INIT(json={"page": 2})], request={"method": "POST"}, adapted=ADAPT_CV)
pcase(C, "test_update_request_json_nested", {"type": "page_number", "base_page": 1, "page": 2, "page_body_path": "page.next"}, [INIT(json={"page": {"next": 2}})], request={"method": "POST"}, adapted=ADAPT_CV)
pcase(C, "test_update_request_json_with_existing_json", {"type": "page_number", "base_page": 1, "page": 2, "page_body_path": "page"}, [INIT(json={"existing": "data", "page": 2})], request={"method": "POST", "json": {"existing": "data"}}, adapted=ADAPT_CV)
pcase(C, "test_maximum_page", {"type": "page_number", "base_page": 1, "page": 1, "maximum_page": 3, "total_path": None},
      [INIT(), U(json={"items": []}, has_next_page=True, next_params={"page": "2"}), U(json={"items": []}, has_next_page=False, next_params={"page": "3"})])
pcase(C, "test_stop_after_empty_page", {"type": "page_number", "base_page": 1, "page": 1, "maximum_page": 5, "stop_after_empty_page": True, "total_path": None},
      [INIT(has_next_page=True), U(json={"items": []}, data=[], has_next_page=False, next_params={"page": "1"})])
paginate(C, "test_client_pagination_one_based", "/posts", {"type": "page_number", "base_page": 1, "page": 1, "total_path": "total_pages"})
paginate(C, "test_client_pagination_one_based_default_page", "/posts", {"type": "page_number", "base_page": 1, "total_path": "total_pages"})
paginate(C, "test_client_pagination_zero_based", "/posts_zero_based", {"type": "page_number", "base_page": 0, "page": 0, "total_path": "total_pages"})
paginate(C, "test_client_pagination_with_json", "/posts/search", {"type": "page_number", "base_page": 1, "page_body_path": "page", "total_path": "total_pages"}, method="POST", json_body={"page_size": 5, "page": 1, "ids_greater_than": -1})
pvalid(C, "test_guarantee_termination", {"type": "page_number", "total_path": None}, 0)
pvalid(C, "test_guarantee_termination", {"type": "page_number", "total_path": None, "maximum_page": 1, "stop_after_empty_page": False}, 1)
MSG = "`total_path`, `maximum_page`, `has_more_path`, or `stop_after_empty_page` must be provided"
pinvalid(C, "test_guarantee_termination", {"type": "page_number", "total_path": None, "stop_after_empty_page": False}, MSG, 2)
pinvalid(C, "test_guarantee_termination", {"type": "page_number", "total_path": None, "stop_after_empty_page": False, "maximum_page": None}, MSG, 3)
pinvalid(C, "test_guarantee_termination", {"type": "page_number", "total_path": None, "stop_after_empty_page": False, "maximum_page": None, "has_more_path": None}, MSG, 4)
for i, (a, b) in enumerate([(None, None), ("", None), (None, ""), ("", "")]):
    p = {"type": "page_number", "total_path": None, "page_param": a, "page_body_path": b}
    if i == 0:
        pcase(C, "test_empty_params", p, [INIT(params={"page": "0"})], index=i)
    else:
        pinvalid(C, "test_empty_params", p, "Either 'page_param' or 'page_body_path' must be provided", i)

C = "TestJSONResponseCursorPaginator"
pcase(C, "test_update_state", {"type": "cursor", "cursor_path": "next_cursor"}, [INIT(), U(json={"next_cursor": "cursor-2", "results": []}, data=None, has_next_page=True, next_params={"cursor": "cursor-2"})])
pcase(C, "test_cursor_param_initialization", {"type": "cursor"}, [INIT(), U(json={"cursors": {"next": "c"}}), NEXT(params={"cursor": "c"})], index=0)
pcase(C, "test_cursor_param_initialization", {"type": "cursor", "cursor_param": "cursor_param"}, [INIT(), U(json={"cursors": {"next": "c"}}), NEXT(params={"cursor_param": "c"}, no_params=["cursor"])], index=1)
pcase(C, "test_cursor_param_initialization", {"type": "cursor", "cursor_body_path": "cursor_body_path"}, [INIT(), U(json={"cursors": {"next": "c"}}), NEXT(json={"cursor_body_path": "c"}, no_params=["cursor"])], request={"method": "POST"}, index=2)
pinvalid(C, "test_both_cursor_param_and_cursor_body_path_raises_error", {"type": "cursor", "cursor_path": "next_cursor", "cursor_param": "cursor", "cursor_body_path": "page"}, "Either 'cursor_param' or 'cursor_body_path' must be provided, not both")
pcase(C, "test_update_state_when_cursor_path_is_empty_string", {"type": "cursor", "cursor_path": "next_cursor"}, [INIT(), U(json={"next_cursor": "", "results": []}, data=None, has_next_page=False)])
pcase(C, "test_update_state_stop_after_empty_page", {"type": "cursor", "cursor_path": "next_cursor", "stop_after_empty_page": True}, [INIT(), U(json={"next_cursor": "cursor", "results": []}, data=[], has_next_page=False)])
CH = {"type": "cursor", "cursor_path": "next_cursor", "has_more_path": "has_more"}
pcase(C, "test_update_has_more_path", CH, [INIT(), U(json={"next_cursor": "cursor", "results": [], "has_more": False}, data=None, has_next_page=False)])
pcase(C, "test_update_has_more_path_string", CH, [INIT(), U(json={"next_cursor": "cursor", "results": [], "has_more": "false"}, data=None, has_next_page=False)])
pcase(C, "test_update_has_more_path_true_nonempty_result", CH, [INIT(), U(json={"next_cursor": "cursor", "results": [{"hello": "world"}], "has_more": True}, data=None, has_next_page=True)])
pcase(C, "test_update_has_more_path_true", CH, [INIT(), U(json={"next_cursor": "cursor", "results": [], "has_more": True}, data=None, has_next_page=True)])
pcase(C, "test_update_has_more_path_missing", CH, [INIT(), U(json={"next_cursor": "cursor", "results": [["hello", "world"]]}, data=None, error="Has more value not found in the response|has_more_path")])
ADAPT_NR = ["paginator._next_reference = 'cursor-2' -> a response whose next_cursor is 'cursor-2'"]
pcase(C, "test_update_request_param", {"type": "cursor", "cursor_path": "next_cursor"}, [INIT(), U(json={"next_cursor": "cursor-2"}), NEXT(params={"cursor": "cursor-2"})], adapted=ADAPT_NR)
pcase(C, "test_update_request_json", {"type": "cursor", "cursor_path": "next_cursor", "cursor_body_path": "cursor"}, [INIT(), U(json={"next_cursor": "cursor-2"}), NEXT(json={"cursor": "cursor-2"})], request={"method": "POST"}, adapted=ADAPT_NR)
pcase(C, "test_update_request_json_nested", {"type": "cursor", "cursor_path": "next_cursor", "cursor_body_path": "cursor.next"}, [INIT(), U(json={"next_cursor": "cursor-2"}), NEXT(json={"cursor": {"next": "cursor-2"}})], request={"method": "POST"}, adapted=ADAPT_NR)
pcase(C, "test_update_request_json_with_existing_json", {"type": "cursor", "cursor_path": "next_cursor", "cursor_body_path": "cursor"}, [INIT(), U(json={"next_cursor": "cursor-2"}), NEXT(json={"existing": "data", "cursor": "cursor-2"})], request={"method": "POST", "json": {"existing": "data"}}, adapted=ADAPT_NR)
paginate(C, "test_client_pagination_with_param", "/posts_cursor", {"type": "cursor", "cursor_path": "next_cursor"})
paginate(C, "test_client_pagination_with_json", "/posts/search", {"type": "cursor", "cursor_path": "next_page", "cursor_body_path": "page"}, method="POST", json_body={"ids_greater_than": -1, "page_size": 5, "page_count": 5})

C = "TestHeaderCursorPaginator"
pcase(C, "test_update_state", {"type": "header_cursor", "cursor_key": "next_cursor"}, [INIT(), U(headers={"next_cursor": "cursor-2"}, has_next_page=True, next_params={"cursor": "cursor-2"})])
pcase(C, "test_update_state_when_cursor_path_is_empty_string", {"type": "header_cursor", "cursor_key": "next_cursor"}, [INIT(), U(headers={}, has_next_page=False)])
pcase(C, "test_update_request", {"type": "header_cursor", "cursor_key": "next_cursor", "cursor_param": "cursor"}, [INIT(), U(headers={"next_cursor": "cursor-2"}), NEXT(params={"cursor": "cursor-2"})])
paginate(C, "test_client_pagination", "/posts_header_cursor", {"type": "header_cursor", "cursor_key": "cursor", "cursor_param": "page"})
write(PG, cases)


# ── source runs against dlt's mock API: test_response_actions.py, test_processing_steps.py, test_offline.py ──
# Each case runs a dlt config (base URL swapped for the local port of dlt's mock API, ported in dlt-mock-api.ts)
# through streamtap's extraction and checks what the dlt test asserts: records per resource, the requests the
# mock API received, or the error. `resources` is dlt's with_resources(...), `limit` its add_limit(n) (a resource
# without a parent stops after n pages). Python callables become named JS stand-ins ({"$js": name}, defined in
# the runner), as a TS config holds functions where dlt holds lambdas. A pipeline.run() that loads into duckdb
# becomes the extraction and a record count per resource (streamtap's load path is tested by its own suite).
B = "https://api.example.com"
JS = lambda name: {"$js": name}  # noqa: E731


def run_case(rel_cases, test, config, expect, resources=None, limit=None, index=None, adapted=None, env=None, asserts=None):
    c = {"id": test + (f"[{index}]" if index is not None else ""), "test": test, "kind": "source_run", "config": config, "expect": expect}
    if resources:
        c["resources"] = resources
    if limit is not None:
        c["limit"] = limit
    if env:
        c["env"] = env
    if adapted:
        c["adapted"] = adapted
    c["asserts"] = asserts or "what the dlt test asserts, as `expect`"
    rel_cases.append(c)


def na(rel_cases, test, reason, index=None):
    rel_cases.append({"id": test + (f"[{index}]" if index is not None else ""), "test": test, "kind": "none", "not_applicable": reason})


POSTS5 = [{"id": i, "title": f"Post {i}"} for i in range(5)]

# test_response_actions.py
RA = "tests/sources/rest_api/integration/test_response_actions.py"
cases = []


def ra_source(path, actions):
    return {"client": {"base_url": B}, "resources": ["posts", {"name": "post_details", "endpoint": {
        "path": path, "params": {"post_id": {"type": "resolve", "resource": "posts", "field": "id"}}, "response_actions": actions}}]}


DETAILS0 = {"post_details": [{"id": 0, "body": "Post body 0"}], "posts": POSTS5}
run_case(cases, "test_ignoring_endpoint_returning_404", ra_source("posts/{post_id}/some_details_404", [{"status_code": 404, "action": "ignore"}]),
         {"records": DETAILS0}, ["posts", "post_details"], 1, asserts="res[:5]: post 0's details, then posts 0..3 (dlt's interleaving; per resource here)")
run_case(cases, "test_ignoring_endpoint_returning_404_others_422", ra_source("posts/{post_id}/some_details_404_others_422", [{"status_code": 422, "action": "ignore"}, {"status_code": 404, "action": "ignore"}]),
         {"records": DETAILS0}, ["posts", "post_details"], 1, index=0)
run_case(cases, "test_ignoring_endpoint_returning_404_others_422", ra_source("posts/{post_id}/some_details_404_others_422", [{"status_code": 404, "action": "ignore"}, {"status_code": 422, "action": "ignore"}]),
         {"records": DETAILS0}, ["posts", "post_details"], 1, index=1)
run_case(cases, "test_response_action_ignore_on_content", {"client": {"base_url": B}, "resources": [{"name": "post_details", "endpoint": {"path": "posts/0/some_details_404", "response_actions": [{"content": "Post body 0", "action": "ignore"}]}}]},
         {"records": {"post_details": []}}, ["post_details"])
run_case(cases, "test_ignoring_endpoint_returning_204", ra_source("posts/{post_id}/some_details_204", [{"status_code": 204, "action": "ignore"}]),
         {"records": DETAILS0}, ["posts", "post_details"], 1)
run_case(cases, "test_empty_response_actions_raise_on_404_by_default", {"client": {"base_url": B}, "resources": [{"name": "post_details", "endpoint": {"path": "posts/1/some_details_404"}}]},
         {"error": "404"}, ["post_details"], asserts="raises, matching '404 Client Error'")
run_case(cases, "test_non_empty_response_actions_raise_on_error_by_default", ra_source("posts/{post_id}/some_details_404_others_422", [{"status_code": 404, "action": "ignore"}]),
         {"error": "422"}, ["posts", "post_details"], 1, asserts="raises, matching '422 Client Error'")
run_case(cases, "test_response_action_on_status_code", {"client": {"base_url": B}, "resources": [{"name": "post_details", "endpoint": {"path": "posts/1/some_details_404", "response_actions": [{"status_code": 404, "action": JS("hook_ignore")}]}}]},
         {"records": {"post_details": []}}, ["post_details"], 1,
         adapted=["a hook raising IgnoreResponseException -> a JS hook throwing streamtap's IgnoreResponse; mock.assert_called_once -> the 404 is ignored (no error, no records)"])
run_case(cases, "test_response_action_on_every_response", {"client": {"base_url": B}, "resources": [{"name": "posts", "endpoint": {"response_actions": [JS("hook_passthrough")]}}]},
         {"records": {"posts": POSTS5}, "requests": [{"path": "^/posts", "count": 1}]}, ["posts"], 1,
         adapted=["mock hook returning the response -> a JS hook returning it; assert_called_once -> one request, records unchanged"])
run_case(cases, "test_multiple_response_actions_on_every_response", {"client": {"base_url": B}, "resources": [{"name": "posts", "endpoint": {"response_actions": [JS("hook_passthrough"), JS("hook_passthrough")]}}]},
         {"records": {"posts": POSTS5}, "requests": [{"path": "^/posts", "count": 1}]}, ["posts"], 1)
run_case(cases, "test_response_actions_called_in_order", {"client": {"base_url": B}, "resources": [{"name": "posts", "endpoint": {"response_actions": [JS("hook_passthrough"), {"status_code": 200, "action": JS("hook_add_custom_field")}]}}]},
         {"every": {"posts": JS("custom_field_foobar")}}, ["posts"], 1,
         adapted=["set_encoding (a requests detail) -> a pass-through hook; add_field -> a JS hook adding custom_field"])
run_case(cases, "test_auth_overwrites_for_specific_endpoints", {"client": {"base_url": B, "auth": {"type": "bearer", "token": {"$secret": "conformance_token"}}}, "resources": [{"name": "posts", "endpoint": {"auth": {"type": "http_basic", "username": "U", "password": {"$secret": "conformance_password"}}}}]},
         {"requests": [{"path": "^/posts", "count": 1, "all": {"headers": {"Authorization": "Basic VTpQ"}}}]}, ["posts"], 1,
         env={"STREAMTAP_SECRET_CONFORMANCE_TOKEN": "T", "STREAMTAP_SECRET_CONFORMANCE_PASSWORD": "P"},
         adapted=["literal secrets -> secret references", "the hook's assert on the Authorization header -> the header the mock API received"])
write(RA, cases)

# test_processing_steps.py
PS = "tests/sources/rest_api/integration/test_processing_steps.py"
cases = []
posts = lambda steps, endpoint="posts", name="posts": {"name": name, "endpoint": endpoint, "processing_steps": steps}  # noqa: E731
src = lambda *resources: {"client": {"base_url": B}, "resources": list(resources)}  # noqa: E731
run_case(cases, "test_rest_api_source_filtered", src(posts([{"filter": JS("id_is_1")}])), {"records": {"posts": [{"id": 1, "title": "Post 1"}]}}, ["posts"])
run_case(cases, "test_rest_api_source_exclude_columns", src(posts([{"map": JS("exclude_title")}])), {"counts": {"posts": 25}, "every": {"posts": JS("no_title")}}, ["posts"])
run_case(cases, "test_rest_api_source_anonymize_columns", src(posts([{"map": JS("anonymize_title")}])), {"every": {"posts": JS("title_is_dummy")}}, ["posts"])
run_case(cases, "test_rest_api_source_map", src(posts([{"map": JS("lower_title")}])), {"every": {"posts": JS("title_starts_post_lower")}}, ["posts"])
run_case(cases, "test_rest_api_source_filter_and_map", src(posts([{"map": JS("id_by_10")}, {"filter": JS("id_is_10")}]), posts([{"filter": JS("id_is_10")}, {"map": JS("id_by_10")}], name="posts_2")),
         {"records": {"posts": [{"id": 10, "title": "Post 1"}], "posts_2": [{"id": 100, "title": "Post 10"}]}}, ["posts", "posts_2"])
COMMENTS_EP = [{"path": "/posts/{post_id}/comments", "params": {"post_id": {"type": "resolve", "resource": "posts", "field": "id"}}}, "posts/{resources.posts.id}/comments"]
for i, ep in enumerate(COMMENTS_EP):
    run_case(cases, "test_rest_api_source_filtered_child", src(posts([{"filter": JS("id_in_1_2")}]), posts([{"filter": JS("id_is_1")}], endpoint=ep, name="comments")),
             {"counts": {"comments": 2}}, ["comments"], index=i)
for i, ep in enumerate(COMMENTS_EP):
    child = posts([{"map": JS("extend_body")}, {"filter": JS("body_starts_with_post_2")}], endpoint=ep, name="comments")
    child["include_from_parent"] = ["title"]
    run_case(cases, "test_rest_api_source_filtered_and_map_child", src(posts([{"filter": JS("id_in_1_2")}]), child),
             {"first": {"comments": [{"id": 0, "post_id": 2, "body": "Post 2 - Comment 0 for post 2", "_posts_title": "Post 2"}]}}, ["comments"], index=i,
             asserts="data[0]['body'] == 'Post 2 - Comment 0 for post 2' (the whole first record here)")
run_case(cases, "test_rest_api_source_yield_map", src(posts([{"yield_map": JS("flatten_reactions")}], endpoint="posts_with_reactions")),
         {"counts": {"posts": 125}, "every": {"posts": JS("reaction_not_reactions")}}, ["posts"], adapted=["flatten_reactions (a Python generator) -> a JS function returning the records"])
run_case(cases, "test_rest_api_source_filter_then_yield_map", src(posts([{"filter": JS("id_is_not_1")}, {"yield_map": JS("flatten_reactions")}], endpoint="posts_with_reactions")),
         {"counts": {"posts": 120}, "every": {"posts": JS("id_not_1")}}, ["posts"])
run_case(cases, "test_rest_api_source_yield_map_then_filter_reactions", src(posts([{"yield_map": JS("flatten_reactions")}, {"filter": JS("reaction_id_is_not_0")}], endpoint="posts_with_reactions")),
         {"counts": {"posts": 100}, "every": {"posts": JS("reaction_id_not_0")}}, ["posts"])
for i, ep in enumerate(COMMENTS_EP):
    child = posts([{"map": JS("extend_body")}, {"filter": JS("body_starts_with_post_2")}, {"yield_map": JS("flatten_comment_reactions")}], endpoint=ep, name="comments")
    child["include_from_parent"] = ["title", "reactions"]
    run_case(cases, "test_rest_api_source_yield_map_child", src(posts([{"filter": JS("id_in_1_2")}], endpoint="posts_with_reactions"), child),
             {"counts": {"comments": 250}, "first": {"comments": [{"_posts_reaction": {"id": 0, "title": "Reaction 0 for post 2"}, "id": 0, "post_id": 2, "body": "Post 2 - Comment 0 for post 2", "_posts_title": "Post 2"}]}}, ["comments"], index=i,
             asserts="len(data) == 50 * 5; data[0]['body'] and data[0]['_posts_reaction']['title'] (the whole first record here)")
write(PS, cases)

# test_offline.py
OF = "tests/sources/rest_api/integration/test_offline.py"
cases = []
of_params = {t: v for t, _, v in parametrized(OF)}


def param_values(test):
    """pytest.param(value..., id=...) entries of a parametrize list: (args, id)."""
    out = []
    for v in of_params[test]:
        if isinstance(v, dict) and v.get("$call") == "pytest.param":
            out.append((v["args"], v["kwargs"].get("id")))
        else:
            out.append(([v] if not isinstance(v, list) else v, None))
    return out


for i, ((config,), pid) in enumerate(param_values("test_load_mock_api")):
    run_case(cases, "test_load_mock_api", config,
             {"counts": {"posts": 25, "post_details": 25, "post_comments": 1250},
              "first": {"posts": POSTS5, "post_comments": [{"id": j, "post_id": 0, "body": f"Comment {j} for post 0"} for j in range(5)]}},
             index=i, adapted=[f"pytest id {pid}; pipeline.run into duckdb -> extraction: counts per table and the first rows the test queries"])
PN = {"type": "page_number", "base_page": 1, "total_path": "total_pages"}
for i, ((endpoint, expected), pid) in enumerate(param_values("test_single_resource_query_string_params")):
    run_case(cases, "test_single_resource_query_string_params", {"client": {"base_url": B, "paginator": PN}, "resources": [{"name": "posts", "endpoint": endpoint}]},
             {"requests": [{"path": ".", "count": 5, "each": [{"query": {**expected, "page": [str(p)]}} for p in range(1, 6)]}]}, ["posts"], index=i,
             adapted=[f"pytest id {pid}"])
for i, ((endpoint, expected), pid) in enumerate(param_values("test_dependent_resource_query_string_params")):
    run_case(cases, "test_dependent_resource_query_string_params", {"client": {"base_url": B, "paginator": PN}, "resources": ["posts", {"name": "post_comments", "endpoint": endpoint}]},
             {"requests": [{"path": r"^/posts/\d+/comments", "count": 50, "all": {"query_keys": sorted(set(expected) | {"page"}), "query_has": expected}}]},
             ["posts", "post_comments"], 1, index=i, adapted=[f"pytest id {pid}; 1 <= page <= 10 is implied by the count of 50 (10 pages of 5 posts)"])
for i, ((endpoint, expected), pid) in enumerate(param_values("test_interpolate_params_in_query_string")):
    run_case(cases, "test_interpolate_params_in_query_string", {"client": {"base_url": B}, "resources": ["posts", {"name": "post_details", "endpoint": endpoint}]},
             {"requests": [{"path": "^/post_detail", "count": 5, "each": [{"query": {**expected, "post_id": [str(p)]}} for p in range(5)]}]},
             ["posts", "post_details"], 1, index=i, adapted=[f"pytest id {pid}"])
for i, ((endpoint, expected), pid) in enumerate(param_values("test_request_json_body")):
    body = None if expected is None else expected["$bytes"]
    run_case(cases, "test_request_json_body", {"client": {"base_url": B}, "resources": ["posts", {"name": "posts_comments", "endpoint": endpoint}]},
             {"requests": [{"path": r"^/posts/\d+/comments", "count": 50, "each": [{"body": body}]}]}, ["posts", "posts_comments"], 1, index=i, adapted=[f"pytest id {pid}"])
run_case(cases, "test_raises_error_for_unused_resolve_params",
         {"client": {"base_url": B}, "resources": ["posts", {"name": "post_details", "endpoint": {"path": "posts", "params": {"post_id": {"type": "resolve", "resource": "posts", "field": "id"}}}}]},
         {"error": "post_id.*not bound in path|resolve param"}, asserts="rest_api_source raises ValueError: resolve params ['post_id'] not bound in path `posts`")
for i, ((config, location), pid) in enumerate(param_values("test_raises_error_for_incorrect_interpolation")):
    run_case(cases, "test_raises_error_for_incorrect_interpolation", config, {"error": "unknown"}, index=i,
             asserts=f"rest_api_source raises: Expression `unknown.posts.id` defined in `{location}` is not valid")
na(cases, "test_source_with_post_request", "a custom paginator class (BaseReferencePaginator subclass) in Python")
for i, ((json_body, expected), pid) in enumerate(param_values("test_json_body_in_top_level_resource")):
    run_case(cases, "test_json_body_in_top_level_resource",
             {"client": {"base_url": B}, "resources": [{"name": "posts", "endpoint": {"path": "posts/search", "method": "POST", "json": json_body, "incremental": {"cursor_path": "id", "initial_value": 1}}}]},
             {"requests": [{"path": ".", "count": 1, "each": [{"json": expected}]}]}, ["posts"], 1, index=i, adapted=[f"pytest id {pid}"])
run_case(cases, "test_interpolate_parent_values_in_path_and_json_body",
         {"client": {"base_url": B}, "resources": ["posts", {"name": "post_details", "endpoint": {"path": "posts/search_by_id/{resources.posts.id}", "method": "POST", "json": {
             "post_id": "{resources.posts.id}", "limit": 5, "more": {"title": "{resources.posts.title}"}, "more_array": ["{resources.posts.id}"], "escaped_braces": "{{ string in escaped braces }}"}}}]},
         {"counts": {"posts": 25, "post_details": 25},
          "first": {"post_details": [{"id": i, "title": f"Post {i}", "body": f"Post body {i}", "more": f"More is equale to id: {i}"} for i in range(25)]}},
         adapted=["pipeline.run into duckdb -> extraction: counts and the columns the test queries"])
run_case(cases, "test_unauthorized_access_to_protected_endpoint", {"client": {"base_url": B}, "resources": ["/protected/posts/bearer-token-plain-text-error"]},
         {"error": "401"}, asserts="pipeline.run raises, matching '401 Client Error'")
run_case(cases, "test_posts_under_results_key", {"client": {"base_url": B}, "resources": [{"name": "posts", "endpoint": {"path": "posts_under_a_different_key", "data_selector": "many-results", "paginator": "json_link"}}]},
         {"first": {"posts": POSTS5}}, ["posts"], 1)
run_case(cases, "test_posts_without_key", {"client": {"base_url": B, "paginator": "header_link"}, "resources": [{"name": "posts_no_key", "endpoint": {"path": "posts_no_key"}}]},
         {"first": {"posts_no_key": POSTS5}}, ["posts_no_key"], 1)
for i, cfg in enumerate([
    {"client": {"base_url": B}, "resources": ["posts", {"name": "post_comments", "endpoint": {"path": "posts/{post_id}/comments", "params": {"post_id": {"type": "resolve", "resource": "posts", "field": "id"}}}}]},
    {"client": {"base_url": B}, "resources": ["posts", {"name": "post_comments", "endpoint": {"path": "posts/{resources.posts.id}/comments"}}]},
]):
    run_case(cases, "test_load_mock_api_typeddict_config", cfg, {"counts": {"posts": 25, "post_comments": 1250}}, index=i,
             adapted=["RESTAPIConfig(...)/EndpointResource(...)/Endpoint(...) TypedDict constructors -> the dicts they build"])
CONV_DATE = ["lambda epoch: pendulum.from_timestamp(int(epoch)).to_date_string() -> JS epoch_to_date",
             "mock.patch(RESTClient.paginate) call kwargs -> the query of the first request the mock API received",
             "on_cursor_value_missing: include added: dlt's test patches paginate, so no record reaches the incremental; "
             "here the mock API answers, and its posts have no updated_at (dlt's default, raise, would fail both)"]
run_case(cases, "test_posts_with_incremental_date_conversion",
         {"client": {"base_url": B}, "resources": [{"name": "posts", "endpoint": {"path": "posts", "incremental": {"start_param": "since", "end_param": "until", "cursor_path": "updated_at", "initial_value": "1", "end_value": "86401", "convert": JS("epoch_to_date"), "on_cursor_value_missing": "include"}}}]},
         {"requests": [{"path": "^/posts", "each": [{"query": {"since": ["1970-01-01"], "until": ["1970-01-02"]}}]}]}, ["posts"], 1, adapted=CONV_DATE)
run_case(cases, "test_incremental_values_in_param_template_with_conversion",
         {"client": {"base_url": B}, "resources": [{"name": "posts", "endpoint": {"path": "posts", "params": {"since": "{incremental.start_value}", "until": "{incremental.end_value}"}, "incremental": {"cursor_path": "updated_at", "initial_value": "1", "end_value": "86401", "convert": JS("epoch_to_date"), "on_cursor_value_missing": "include"}}}]},
         {"requests": [{"path": "^/posts", "each": [{"query": {"since": ["1970-01-01"], "until": ["1970-01-02"]}}]}]}, ["posts"], 1, adapted=CONV_DATE)
run_case(cases, "test_incremental_object_interpolation",
         {"client": {"base_url": B}, "resources": [{"name": "posts", "endpoint": {"path": "posts", "params": {"initial_value": "{incremental.initial_value}", "lag": "{incremental.lag}", "since": "{incremental.start_value}", "until": "{incremental.end_value}"}, "incremental": {"cursor_path": "id", "initial_value": 1600000000, "end_value": 1700000000, "lag": 3600}}}]},
         {"requests": [{"path": "^/posts", "each": [{"query": {"initial_value": ["1600000000"], "lag": ["3600"], "since": ["1600000000"], "until": ["1700000000"]}}]}]}, ["posts"], 1,
         adapted=["len(history) == 5 counts dlt's add_limit quirk (pages emptied by the incremental filter do not count toward the limit); the first request's query is asserted"])
for i, ((config,), pid) in enumerate(param_values("test_incremental_convert_without_end_value")):
    notes = set()
    config = stand_in(config, notes)
    text = json.dumps(config).replace('{"$lambda": "lambda epoch: int(epoch)"}', '{"$js": "epoch_to_int"}')
    run_case(cases, "test_incremental_convert_without_end_value", json.loads(text),
             {"requests": [{"path": "^/posts", "each": [{"query": {"since": ["1600000000"]}}]}]}, ["posts"], 1, index=i,
             adapted=[f"pytest id {pid}; lambda epoch: int(epoch) -> JS epoch_to_int", "len(history) == 5: dlt's add_limit quirk, as above"])
na(cases, "test_incremental_implicitly_filters_out_data", "two pipeline.run calls with dlt's pipeline state; streamtap's incremental state across runs is proven by integration/rest-incremental (state in a Kafka topic)")
na(cases, "test_custom_session_is_used", "a Python requests.Session object in the client config")
na(cases, "test_DltResource_gets_called", "a @dlt.resource Python generator as a parent", 0)
na(cases, "test_DltResource_gets_called", "a @dlt.resource Python generator as a parent", 1)
for i, ((headers, expected), pid) in enumerate(param_values("test_headers_in_top_level_resource")):
    run_case(cases, "test_headers_in_top_level_resource", {"client": {"base_url": B}, "resources": [{"name": "posts", "endpoint": {"path": "posts", "headers": headers}}]},
             {"requests": [{"path": ".", "count": 1, "each": [{"headers": expected}]}]}, ["posts"], 1, index=i,
             adapted=[f"pytest id {pid}; User-Agent starting with dlt/ is dlt's own name (streamtap sends its own)"])
run_case(cases, "test_headers_in_dependent_resource",
         {"client": {"base_url": B}, "resources": ["posts", {"name": "post_details", "endpoint": {"path": "post_detail", "params": {"post_id": "{resources.posts.id}"}, "headers": {
             "X-Static-Header": "test-value", "X-Double-Braces-{{Escaped}}": "name-escaped", "X-Post-ID": "{resources.posts.id}", "X-Post-Title": "{resources.posts.title}", "X-Escaped": "{{value_escaped}}"}}}]},
         {"requests": [{"path": "^/post_detail", "count": 5, "each": [{"headers": {"X-Post-ID": str(i), "X-Post-Title": f"Post {i}", "X-Escaped": "{value_escaped}"}} for i in range(5)]}]},
         ["posts", "post_details"], 1)
run_case(cases, "test_headers_with_incremental_values",
         {"client": {"base_url": B}, "resources": [{"name": "posts", "endpoint": {"path": "posts", "headers": {"X-Initial-Value": "{incremental.initial_value}", "X-Start-Value": "{incremental.start_value}", "X-End-Value": "{incremental.end_value}", "X-Escaped": "{{not_this}}"}, "incremental": {"cursor_path": "id", "initial_value": 1600000000, "end_value": 1700000000}}}]},
         {"requests": [{"path": "^/posts", "each": [{"headers": {"X-Initial-Value": "1600000000", "X-Start-Value": "1600000000", "X-End-Value": "1700000000", "X-Escaped": "{not_this}"}}]}]}, ["posts"], 1,
         adapted=["len(history) == 5: dlt's add_limit quirk, as above"])
run_case(cases, "test_client_headers_are_not_interpolated",
         {"client": {"base_url": B, "headers": {"X-Static-Header": "static-value", "X-Not-Interpolated": "{resources.posts.id}", "X-Escaped": "{{literal_braces}}"}}, "resources": ["posts"]},
         {"requests": [{"path": ".", "count": 1, "each": [{"headers": {"X-Static-Header": "static-value", "X-Not-Interpolated": "{resources.posts.id}", "X-Escaped": "{{literal_braces}}"}}]}]}, ["posts"], 1)
na(cases, "test_secret_redaction_in_logs_and_errors", "patches dlt's logger; streamtap's redaction of secret-looking params in logs is proven by rest-auth › a key sent in the query never shows in errors")
na(cases, "test_secret_redaction_in_http_errors", "adds a route to requests_mock at run time; streamtap's redaction in HTTP errors is proven by rest-auth unit tests")
for i, ((endpoint, ctype, body), pid) in enumerate(param_values("test_request_data_body")):
    run_case(cases, "test_request_data_body", {"client": {"base_url": B}, "resources": [{"name": "test_data", "endpoint": endpoint}]},
             {"requests": [{"path": ".", "each": [{"content_type": ctype, "body": body}]}]}, ["test_data"], 1, index=i, adapted=[f"pytest id {pid}"])
run_case(cases, "test_data_and_json_mutual_exclusivity",
         {"client": {"base_url": B}, "resources": [{"name": "posts", "endpoint": {"path": "posts/search", "method": "POST", "json": {"search_term": "test"}, "data": {"should_be_ignored": "yes"}}}]},
         {"error": "json.*data|data.*json"}, ["posts"], 1, asserts="raises: Cannot use both 'json' and 'data' parameters simultaneously")
run_case(cases, "test_dependent_resource_post_data_param",
         {"client": {"base_url": B}, "resources": ["posts", {"name": "post_comments", "endpoint": {"path": "post_comments_via_form_data", "method": "POST", "data": {"post_id": "{resources.posts.id}", "static_value": "constant", "escaped_braces": "{{not_interpolated}}"}, "paginator": "single_page"}}]},
         {"requests": [{"path": "^/post_comments_via_form_data", "count": 5, "each": [{"body": f"post_id={i}&static_value=constant&escaped_braces=%7Bnot_interpolated%7D"} for i in range(5)]}]},
         ["posts", "post_comments"], 1, adapted=["_parse_single_valued_qs(body) == {...} -> the url-encoded body"])
run_case(cases, "test_post_data_param_with_incremental_values",
         {"client": {"base_url": B}, "resources": [{"name": "posts_form_data_incremental", "endpoint": {"path": "/posts_form_data_incremental", "method": "POST", "data": {"initial_value": "{incremental.initial_value}", "start_value": "{incremental.start_value}", "end_value": "{incremental.end_value}", "escaped": "{{not_this}}"}, "incremental": {"cursor_path": "id", "initial_value": 100, "end_value": 200}, "paginator": "single_page"}}]},
         {"requests": [{"path": ".", "count": 1, "each": [{"body": "initial_value=100&start_value=100&end_value=200&escaped=%7Bnot_this%7D"}]}]}, ["posts_form_data_incremental"], 1)
run_case(cases, "test_post_data_param_with_raw_data",
         {"client": {"base_url": B}, "resources": ["posts", {"name": "post_comments", "endpoint": {"path": "post_comments_via_form_data", "method": "POST", "data": "{resources.posts.id}", "paginator": "single_page"}}]},
         {"requests": [{"path": "^/post_comments_via_form_data", "count": 5, "each": [{"body": str(i), "content_type": None} for i in range(5)]}]}, ["posts", "post_comments"], 1)
run_case(cases, "test_post_data_param_with_list_of_tuples",
         {"client": {"base_url": B}, "resources": ["posts", {"name": "post_comments", "endpoint": {"path": "post_comments_via_form_data", "method": "POST", "data": [["post_id", "{resources.posts.id}"], ["action", "comment"], ["post_id", "{resources.posts.id}_duplicate"], ["title", "{resources.posts.title}"], ["escaped", "{{literal_braces}}"]], "paginator": "single_page"}}]},
         {"requests": [{"path": "^/post_comments_via_form_data", "count": 5, "each": [{"body": f"post_id={i}&action=comment&post_id={i}_duplicate&title=Post+{i}&escaped=%7Bliteral_braces%7D"} for i in range(5)]}]},
         ["posts", "post_comments"], 1, adapted=["Python tuples -> two-element lists", "parse_qs(body) == {...} -> the url-encoded body"])
run_case(cases, "test_dependent_resource_paginated_child",
         {"client": {"base_url": B}, "resources": ["posts", {"name": "post_comments", "endpoint": {"path": "posts/{resources.posts.id}/comments", "paginator": {"type": "page_number", "base_page": 1, "total_path": "total_pages"}}}]},
         {"counts": {"posts": 25, "post_comments": 1250}})
run_case(cases, "test_dependent_resource_parallelized",
         {"client": {"base_url": B}, "resources": ["posts", {"name": "post_comments", "parallelized": True, "endpoint": {"path": "posts/{resources.posts.id}/comments"}}]},
         {"counts": {"posts": 25, "post_comments": 1250}})
run_case(cases, "test_dependent_resource_parallelized_with_include_from_parent",
         {"client": {"base_url": B}, "resources": ["posts", {"name": "post_comments", "parallelized": True, "endpoint": {"path": "posts/{resources.posts.id}/comments"}, "include_from_parent": ["id", "title"]}]},
         {"counts": {"posts": 25, "post_comments": 1250}, "every": {"post_comments": JS("parent_fields_match")}},
         adapted=["the SQL checks of _posts_id/_posts_title -> every comment carries its own post's id and title"])
run_case(cases, "test_dependent_resource_parallelized_with_incremental",
         {"client": {"base_url": B, "paginator": {"type": "page_number", "base_page": 1, "total_path": "total_pages"}}, "resources": ["posts", {"name": "post_comments", "parallelized": True, "endpoint": {"path": "posts/{resources.posts.id}/comments", "incremental": {"start_param": "since", "cursor_path": "id", "initial_value": 45}}}]},
         {"counts": {"posts": 25, "post_comments": 125}, "every": {"post_comments": JS("id_at_least_45")}},
         adapted=["count < 1250 and MIN(id) == 45 -> ids 45..49 of each of the 25 posts"])
write(OF, cases)

# test_client.py: RESTClient used directly. Its pagination, auth and body cases run as source configs against the
# same mock API; the rest test Python plumbing (sessions, hooks objects, requests kwargs, dlt's URL sanitizer).
CL = "tests/sources/helpers/rest_client/test_client.py"
cases = []
C = "TestRESTClient"
run_case(cases, f"{C}::test_get_single_resource", {"client": {"base_url": B}, "resources": [{"name": "post", "endpoint": {"path": "/posts/1"}}]},
         {"records": {"post": [{"id": 1, "body": "Post body 1"}]}}, adapted=["rest_client.get('/posts/1').json() -> a resource of that path (a single entity)"])
run_case(cases, f"{C}::test_pagination", {"client": {"base_url": B}, "resources": [{"name": "posts", "endpoint": {"path": "/posts", "paginator": {"type": "json_link", "next_url_path": "next_page"}}}]},
         {"counts": {"posts": 25}, "first": {"posts": [{"id": i, "title": f"Post {i}"} for i in range(25)]}})
na(cases, f"{C}::test_page_context", "reads the PageData object's request/response/paginator attributes (Python API)")
run_case(cases, f"{C}::test_default_paginator", {"client": {"base_url": B}, "resources": [{"name": "posts", "endpoint": {"path": "/posts"}}]},
         {"counts": {"posts": 25}, "first": {"posts": [{"id": i, "title": f"Post {i}"} for i in range(25)]}}, adapted=["no paginator: detection finds the `next_page` link"])
run_case(cases, f"{C}::test_excplicit_paginator", {"client": {"base_url": B}, "resources": [{"name": "posts", "endpoint": {"path": "/posts", "paginator": {"type": "json_link", "next_url_path": "next_page"}}}]},
         {"counts": {"posts": 25}})
run_case(cases, f"{C}::test_excplicit_paginator_relative_next_url", {"client": {"base_url": B}, "resources": [{"name": "posts", "endpoint": {"path": "/posts_relative_next_url", "paginator": {"type": "json_link", "next_url_path": "next_page"}}}]},
         {"counts": {"posts": 25}})
run_case(cases, f"{C}::test_paginator_with_null_data_in_final_page", {"client": {"base_url": B}, "resources": [{"name": "users", "endpoint": {"path": "/posts_cursor_null_terminated", "data_selector": "users", "paginator": {"type": "cursor", "cursor_path": "next_token", "cursor_param": "cursor"}}}]},
         {"counts": {"users": 14}, "requests": [{"path": ".", "count": 3}]}, asserts="3 pages; the last holds users: null (no records); 14 records")
na(cases, f"{C}::test_paginate_with_hooks", "passes a requests hooks dict to paginate (the rest_api form, response_actions, is in test_response_actions)")
run_case(cases, f"{C}::test_basic_auth_success", {"client": {"base_url": B, "auth": {"type": "http_basic", "username": "user", "password": {"$secret": "conformance_password"}}}, "resources": [{"name": "posts", "endpoint": {"path": "/protected/posts/basic-auth", "paginator": {"type": "json_link", "next_url_path": "next_page"}}}]},
         {"counts": {"posts": 25}}, env={"STREAMTAP_SECRET_CONFORMANCE_PASSWORD": "password"}, adapted=["literal password -> a secret reference"])
run_case(cases, f"{C}::test_bearer_token_auth_success", {"client": {"base_url": B, "auth": {"type": "bearer", "token": {"$secret": "conformance_token"}}}, "resources": [{"name": "posts", "endpoint": {"path": "/protected/posts/bearer-token", "paginator": {"type": "json_link", "next_url_path": "next_page"}}}]},
         {"counts": {"posts": 25}}, env={"STREAMTAP_SECRET_CONFORMANCE_TOKEN": "test-token"}, adapted=["literal token -> a secret reference"])
run_case(cases, f"{C}::test_api_key_auth_success", {"client": {"base_url": B, "auth": {"type": "api_key", "name": "x-api-key", "api_key": {"$secret": "conformance_api_key"}}}, "resources": [{"name": "posts", "endpoint": {"path": "/protected/posts/api-key", "paginator": {"type": "json_link", "next_url_path": "next_page"}}}]},
         {"counts": {"posts": 25}}, env={"STREAMTAP_SECRET_CONFORMANCE_API_KEY": "test-api-key"}, adapted=["literal key -> a secret reference"])
OA = lambda url, cid, secret: {"type": "oauth2_client_credentials", "access_token_url": f"{B}{url}", "client_id": cid, "client_secret": {"$secret": "conformance_client_secret"}}  # noqa: E731
run_case(cases, f"{C}::test_oauth2_client_credentials_flow_auth_success", {"client": {"base_url": B, "auth": OA("/oauth/token", "test-client-id", "")}, "resources": [{"name": "posts", "endpoint": {"path": "/protected/posts/bearer-token", "paginator": {"type": "json_link", "next_url_path": "next_page"}}}]},
         {"counts": {"posts": 25}}, env={"STREAMTAP_SECRET_CONFORMANCE_CLIENT_SECRET": "test-client-secret"}, adapted=["literal client_secret -> a secret reference"])
run_case(cases, f"{C}::test_oauth2_client_credentials_flow_wrong_client_id", {"client": {"base_url": B, "auth": OA("/oauth/token", "invalid-client-id", "")}, "resources": [{"name": "posts", "endpoint": {"path": "/protected/posts/bearer-token"}}]},
         {"error": "401"}, env={"STREAMTAP_SECRET_CONFORMANCE_CLIENT_SECRET": "test-client-secret"}, asserts="raises HTTPError, status 401")
run_case(cases, f"{C}::test_oauth2_client_credentials_flow_wrong_client_secret", {"client": {"base_url": B, "auth": OA("/oauth/token", "test-client-id", "")}, "resources": [{"name": "posts", "endpoint": {"path": "/protected/posts/bearer-token"}}]},
         {"error": "401"}, env={"STREAMTAP_SECRET_CONFORMANCE_CLIENT_SECRET": "invalid-client-secret"}, asserts="raises HTTPError, status 401")
run_case(cases, f"{C}::test_oauth_token_expired_refresh", {"client": {"base_url": B, "auth": OA("/oauth/token-expires-now", "test-client-id", "")}, "resources": [{"name": "posts", "endpoint": {"path": "/protected/posts/bearer-token", "paginator": {"type": "json_link", "next_url_path": "next_page"}}}]},
         {"counts": {"posts": 25}, "requests": [{"path": "^/oauth/token-expires-now", "count": 5}]}, env={"STREAMTAP_SECRET_CONFORMANCE_CLIENT_SECRET": "test-client-secret"},
         asserts="a token with expires_in 0 is fetched again before each request (dlt: is_token_expired then obtain_token)")
na(cases, f"{C}::test_oauth_customized_token_request", "a Python subclass of OAuth2ClientCredentials overriding build_access_token_request")
na(cases, f"{C}::test_oauth_jwt_auth_success", "OAuthJWTAuth: a Python auth class with a private key file (no config type in rest_api)")
na(cases, f"{C}::test_custom_session_client", "a Python requests.Session object")
na(cases, f"{C}::test_custom_auth_success", "a Python AuthBase subclass")
na(cases, f"{C}::test_send_request_allows_ca_bundle", "requests' `verify` kwarg (CA bundle) on a Python session")
run_case(cases, f"{C}::test_paginate_json_body_without_params", {"client": {"base_url": B}, "resources": [{"name": "posts", "endpoint": {"path": "/posts/search", "method": "POST", "json": {"page_size": 5, "page": 1, "ids_greater_than": -1}, "paginator": {"type": "page_number", "base_page": 1, "page_body_path": "page", "total_path": "total_pages"}}}]},
         {"counts": {"posts": 25}})
run_case(cases, f"{C}::test_post_json_body_without_params", {"client": {"base_url": B}, "resources": [{"name": "posts", "endpoint": {"path": "/posts/search", "method": "POST", "json": {"ids_greater_than": 50, "page_size": 25, "page_count": 4}, "paginator": "single_page"}}]},
         {"first": {"posts": [{"id": 51 + i, "title": f"Post {51 + i}"} for i in range(25)]}}, adapted=["rest_client.post(...).json()['data'] -> a single_page resource"])
na(cases, f"{C}::test_configurable_timeout", "patches requests.Session.send to read the timeout kwarg; streamtap's client.timeout_seconds is proven by rest-extract › a request that outlives the timeout")
na(cases, f"{C}::test_request_kwargs", "requests' per-call kwargs (proxies, stream, cert) on a Python session")
na(cases, f"{C}::test_overwrite_path", "RESTClient._create_request with an absolute path (Python API)")
na(cases, f"{C}::test_overwrite_path_ignores_different_protocol", "RESTClient._create_request (Python API)")
na(cases, f"{C}::test_overwrite_headers", "RESTClient._create_request (Python API)")
run_case(cases, f"{C}::test_post_with_data_dict", {"client": {"base_url": B}, "resources": [{"name": "r", "endpoint": {"path": "/post_form_data", "method": "POST", "data": {"key1": "value1", "key2": "value2"}, "paginator": "single_page", "data_selector": "$"}}]},
         {"records": {"r": [{"data": {"key1": ["value1"], "key2": ["value2"]}}]}})
run_case(cases, f"{C}::test_post_with_list_of_tuples", {"client": {"base_url": B}, "resources": [{"name": "r", "endpoint": {"path": "/post_form_data", "method": "POST", "data": [["key1", "value1"], ["key1", "value2"]], "paginator": "single_page", "data_selector": "$"}}]},
         {"records": {"r": [{"data": {"key1": ["value1", "value2"]}}]}}, adapted=["Python tuples -> two-element lists"])
run_case(cases, f"{C}::test_post_with_data_string", {"client": {"base_url": B}, "resources": [{"name": "r", "endpoint": {"path": "/post_raw_data", "method": "POST", "data": "raw string data", "paginator": "single_page", "data_selector": "$"}}]},
         {"records": {"r": [{"data": "raw string data"}]}})
run_case(cases, f"{C}::test_json_and_data_mutual_exclusivity", {"client": {"base_url": B}, "resources": [{"name": "r", "endpoint": {"path": "/posts/search", "method": "POST", "json": {"a": 1}, "data": {"b": 2}}}]},
         {"error": "json.*data|data.*json"})
run_case(cases, f"{C}::test_paginate_json_and_data_mutual_exclusivity", {"client": {"base_url": B}, "resources": [{"name": "r", "endpoint": {"path": "/posts/search", "method": "POST", "json": {"a": 1}, "data": {"b": 2}, "paginator": {"type": "page_number", "base_page": 1, "page_body_path": "page", "total_path": "total_pages"}}}]},
         {"error": "json.*data|data.*json"})
for t in ["test_sanitize_url_basic", "test_sanitize_url_multiple_secrets", "test_sanitize_url_case_insensitive", "test_sanitize_url_no_secrets", "test_sanitize_url_empty_values", "test_sanitize_url_fragment_and_path",
          "test_dlt_raise_for_status_with_sanitized_url", "test_dlt_raise_for_status_truncates_long_body", "test_dlt_raise_for_status_no_error_on_success", "test_dlt_raise_for_status_with_body_enabled", "test_dlt_raise_for_status_with_body_disabled"]:
    na(cases, f"TestSanitizeUrl::{t}" if "sanitize" in t else f"TestRaiseForStatus::{t}", "dlt's internal helper (sanitize_url / raise_for_status) called with Python values; streamtap's redaction and HTTP errors are proven by rest-auth and rest-extract unit tests")
write(CL, cases)

# ── tests/common/test_jsonpath.py: dlt's JSONPath spelling (jsonpath-ng) ──
# dlt's extract_simple_field_name tells whether a path names one plain field; streamtap has no such helper, so
# each case asserts what the path selects from a record holding those fields, which is what dlt's quoting rules
# decide: a quoted name is one field whatever it holds ('col.a', '$col_a', 'col|a'); `$.col_a.items[*]` selects
# every item; `col_a|col_b` is a union. `compiled=True` hands dlt a jsonpath-ng object: not applicable.
JP = "tests/common/test_jsonpath.py"
cases = []
DOC = {"col_a": {"items": [{"x": 1}, {"x": 2}]}, "col.a": "dotted", "$col_a": "dollar", "col|a": "pipe", "col_b": "b"}
for compiled in (True, False):
    for i, (path, expected) in enumerate([("col_a", "col_a"), ("'col.a'", "col.a"), ("'$col_a'", "$col_a"), ("'col|a'", "col|a")]):
        cid = f"test_extract_simple_field_name_positive[{compiled}-{i}]"
        if compiled:
            cases.append({"id": cid, "test": "test_extract_simple_field_name_positive", "kind": "none", "not_applicable": "passes a jsonpath-ng compiled path object"})
        else:
            cases.append({"id": cid, "test": "test_extract_simple_field_name_positive", "kind": "jsonpath_select", "path": path, "document": DOC,
                          "expect": {"selects": DOC[expected], "single_field": expected}, "asserts": f"extract_simple_field_name({path!r}) == {expected!r}: the path names that one field"})
    for i, (path, selects) in enumerate([("$.col_a", DOC["col_a"]), ("$.col_a.items", DOC["col_a"]["items"]), ("$.col_a.items[0]", {"x": 1}), ("$.col_a.items[*]", DOC["col_a"]["items"]), ("col_a|col_b", [DOC["col_a"], "b"])]):
        cid = f"test_extract_simple_field_name_negative[{compiled}-{i}]"
        if compiled:
            cases.append({"id": cid, "test": "test_extract_simple_field_name_negative", "kind": "none", "not_applicable": "passes a jsonpath-ng compiled path object"})
        else:
            cases.append({"id": cid, "test": "test_extract_simple_field_name_negative", "kind": "jsonpath_select", "path": path, "document": DOC,
                          "expect": {"selects": selects}, "asserts": f"extract_simple_field_name({path!r}) is None: a valid path that is not one plain field; here, what it selects"})
cases.append({"id": "test_set_value_at_path", "test": "test_set_value_at_path", "kind": "jsonpath_set",
              "steps": [[{}, "key", "value", {"key": "value"}], [{}, "parent.child", "value", {"parent": {"child": "value"}}],
                        [{}, "level1.level2.level3", "value", {"level1": {"level2": {"level3": "value"}}}],
                        [{"existing": "data", "parent": {"existing_child": "data"}}, "parent.new_child", "value", {"existing": "data", "parent": {"existing_child": "data", "new_child": "value"}}],
                        [{"key": "old_value"}, "key", "new_value", {"key": "new_value"}]],
              "asserts": "set_value_at_path(obj, path, value) leaves obj as given (streamtap's setPath writes body paths the same way)"})
write(JP, cases)
