// A frontend's use of Tolk through openapi-fetch, with the types
// openapi-typescript generates from the OpenAPI document (gen/api.d.ts, made
// by .ci/run). `tsc --strict --noEmit` proves the document gives a real
// TypeScript client what it needs: typed parameters, bodies and problems.
import createClient from "openapi-fetch";
import type { components, paths } from "./gen/api";

type Article = components["schemas"]["Article"];
type Problem = components["schemas"]["Problem"];
type ProblemCode = components["schemas"]["ProblemCode"];

const tolk = createClient<paths>({ baseUrl: "http://localhost:8080" });

// describe renders an error answer: problem JSON from Tolk, or the plain
// text Go's net/http answers before Tolk (431, a malformed request's 400).
function describe(p: Problem | string): string {
  if (typeof p === "string") {
    return p;
  }
  const code: ProblemCode = p.code;
  const fields = (p.errors ?? []).map((e) => `${e.pointer}: ${e.detail}`);
  return [code, p.detail ?? "", ...fields].join("\n");
}

export async function article(id: string, lang: string): Promise<Article | string> {
  const { data, error, response } = await tolk.GET("/v1/articles/{id}", {
    params: { path: { id }, query: { lang, fallback: "none" }, header: { "X-Request-ID": "check-ts" } },
  });
  if (error !== undefined) {
    return `${response.status} ${describe(error)}`;
  }
  const author: string | null = data.author;
  const others = data.translations.map((t) => `${t.lang}:${t.slug}:${t.url ?? ""}`);
  console.log(data.title, data.body_html.length, author, data.draft === true, others);
  return data;
}

export async function search(q: string): Promise<number> {
  const { data, error, response } = await tolk.GET("/v1/search", {
    params: { query: { q, lang: "all", tag: ["international"], page: 1, per_page: 10 } },
  });
  if (error !== undefined) {
    if (response.status === 429) {
      console.log("retry after", response.headers.get("Retry-After"), describe(error));
    }
    return 0;
  }
  for (const h of data.hits) {
    const by: string | null = h.author;
    console.log(h.id, h.snippet_html, h.score, h.tags.map((t) => t.label), by ?? "");
  }
  const tags = data.facets.tags.map((f) => `${f.label} (${f.count})`);
  const langs = data.facets.lang.map((f) => `${f.key}: ${f.count}`);
  console.log(tags, langs);
  return data.total;
}

export async function suggest(q: string): Promise<string[]> {
  const { data } = await tolk.GET("/v1/suggest", { params: { query: { q } } });
  return (data?.suggestions ?? []).map((s) => `${s.title} ${s.url ?? s.slug}`);
}

export async function everything(): Promise<void> {
  const langs = await tolk.GET("/v1/languages");
  for (const l of langs.data?.languages ?? []) {
    console.log(l.tag, l.name, l.dir ?? "ltr", l.derived_from ?? "stored", l.default);
  }
  const list = await tolk.GET("/v1/articles", {
    params: { query: { sort: "title", per_page: 100 }, header: { "Accept-Language": "zh-HK,zh;q=0.9" } },
  });
  console.log(list.data?.items.map((i) => [i.id, i.lang, i.fallback]), list.data?.total);
  const cov = await tolk.GET("/v1/translations", { params: { query: { page: 1 } } });
  for (const c of cov.data?.items ?? []) {
    const state: components["schemas"]["VersionState"] | undefined = c.versions["zh-Hant"];
    console.log(c.id, c.original_lang, state);
  }
  let since: string | undefined;
  for (;;) {
    const page = await tolk.GET("/v1/changes", { params: { query: since === undefined ? { limit: 1000 } : { since, limit: 1000 } } });
    if (page.error !== undefined) {
      if (page.response.status === 410) {
        since = undefined;
        continue;
      }
      throw new Error(describe(page.error));
    }
    for (const ch of page.data.items) {
      const op: "upsert" | "delete" = ch.op;
      console.log(op, ch.id, ch.lang, ch.url, ch.previous_url ?? null, ch.at);
    }
    if (page.data.items.length === 0) break;
    since = page.data.next;
  }
  const ready = await tolk.GET("/readyz");
  console.log(ready.data?.status, ready.data?.problems?.map((p) => `${p.path}:${p.line}: ${p.message}`));
}

export async function publish(token: string, id: string, etag: string): Promise<string> {
  const { data, error, response } = await tolk.PUT("/v1/articles/{id}/{lang}", {
    params: { path: { id, lang: "en" }, header: { "If-Match": etag } },
    headers: { Authorization: `Bearer ${token}` },
    body: { title: "Title", slug: "a-slug", published: "2020-01-03", tags: ["international"], author: "Kommunikationsavdelningen", body_markdown: "Text." },
  });
  if (error !== undefined) {
    return response.status === 412 ? "someone else edited it" : describe(error);
  }
  return `${data.id} ${response.headers.get("ETag") ?? ""}`;
}
