/*
 * jsoncheck.c - for the end-to-end scripts: read one JSON document from
 * standard input with jansson (a build dependency already; Debian's
 * python3 and jq are not) and exit 1, saying why, when it is not valid
 * JSON. With an argument, a path such as "sub_indicators.1.targets.0.text"
 * (object keys and array indexes, dot-separated), print what is there: a
 * string as itself, a number, "null", "true"/"false", or the length of an
 * array or object; exit 1 when the path leads nowhere.
 *
 * catalog.sh compiles it with cc and pkg-config when it starts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* Follow path (modified in place) from root; NULL when some step is absent. */
static json_t *
follow(json_t *root, char *path)
{
	json_t *at = root;

	for (char *step = strtok(path, "."); step && at; step = strtok(NULL, ".")) {
		if (json_is_array(at)) {
			char *end;
			long i = strtol(step, &end, 10);
			at = *end == '\0' && i >= 0 ? json_array_get(at, (size_t)i) : NULL;
		} else {
			at = json_object_get(at, step);
		}
	}
	return at;
}

/* Parse standard input; print what argv[1] leads to, if given. */
int
main(int argc, char **argv)
{
	json_error_t err;
	json_t *root = json_loadf(stdin, 0, &err), *at;
	int rc = 0;

	if (root == NULL) {
		fprintf(stderr, "jsoncheck: not valid JSON: line %d, column %d: %s\n", err.line, err.column, err.text);
		return 1;
	}
	if (argc > 1) {
		at = follow(root, argv[1]);
		if (at == NULL) {
			fprintf(stderr, "jsoncheck: nothing at %s\n", argv[1]);
			rc = 1;
		} else if (json_is_string(at)) {
			printf("%s\n", json_string_value(at));
		} else if (json_is_integer(at)) {
			printf("%lld\n", (long long)json_integer_value(at));
		} else if (json_is_array(at)) {
			printf("%zu\n", json_array_size(at));
		} else if (json_is_object(at)) {
			printf("%zu\n", json_object_size(at));
		} else {
			printf("%s\n", json_is_null(at) ? "null" : json_is_true(at) ? "true" : json_is_false(at) ? "false" : "?");
		}
	}
	json_decref(root);
	return rc;
}
