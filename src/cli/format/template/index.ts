// Go's text/template, as Docker users write it in --format flags, plus docker/cli's list formatter.
//
// Scripts parse `docker … --format` output and match its error messages, so this follows Go's lexer,
// parser and evaluator closely (messages included) rather than being a look-alike. Go structs and
// maps both arrive here as JS objects; they behave as Go maps (sorted iteration, `<no value>` for a
// missing key) except where a caller marks them as structs. `undefined` plays Go's "invalid value"
// (a missing key) and `null` plays nil.
//
// The modules of this folder, bottom up: quote, values, go-time, go-types (typed caller data),
// float-format, fmt, printf and json (Go's printing); lexer, literals, parse-tree, parser (parse);
// function-table, builtins, docker-functions, exec, template (execution); tabwriter, list-rows and
// list-formatter (docker's list output). This file is the public entry.

export { parseTemplate, type ParseOptions, type Template, type TemplateFunc } from "./template.js";
export { renderList, type RenderListOptions } from "./list-formatter.js";
export { isTableFormat } from "./list-text.js";
export { tabwrite, type TabwriteOptions } from "./tabwriter.js";
export { withGoType, type GoField, type GoType } from "./go-types.js";
