// Docker's label filters, for images, containers and volumes alike: "key", "key=value", and for
// prune "key!=value".

export function matchesLabel(labels: Readonly<Record<string, string>>, filter: string): boolean {
  const negated = /^[^=]*!=/.test(filter);
  const expr = negated ? filter.replace("!=", "=") : filter;
  const eq = expr.indexOf("=");
  const ok = eq < 0 ? expr in labels : labels[expr.slice(0, eq)] === expr.slice(eq + 1);
  return negated ? !ok : ok;
}

export function matchesAllLabels(labels: Readonly<Record<string, string>>, filters: readonly string[] | undefined): boolean {
  return (filters ?? []).every((f) => matchesLabel(labels, f));
}
