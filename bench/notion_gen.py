"""Generate Notion exports the way Notion writes them (HTML, and Markdown & CSV), for the tests
and bench/notion_bench.py: `Title <32-hex id>.html` pages with their sub-pages in a folder of
the same name, a database as a page with a `table.collection-content` (HTML) or a CSV pair
(`X <id>.csv`, `X <id>_all.csv`, Markdown), rows with their properties, attachments beside.

The HTML structure follows Notion's exports (see ../shared/fixtures/notion/jimmy-test-data) and
the block classes Obsidian Importer reads (`figure.callout`, `ul.to-do-list`, `details`, ...).
"""

from __future__ import annotations

import hashlib
import random
import zipfile
from pathlib import Path
from urllib.parse import quote

HEAD = '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"/><title>{t}</title></head><body>'


def nid(seed: str) -> str:
    return hashlib.md5(seed.encode()).hexdigest()


def dashed(i: str) -> str:
    return f"{i[:8]}-{i[8:12]}-{i[12:16]}-{i[16:20]}-{i[20:]}"


def href(*parts: str) -> str:
    return "/".join(quote(p) for p in parts)


def html_page(title: str, page_id: str, body: str, properties: str = "", collection: str = "") -> str:
    props = f'<table class="properties"><tbody>{properties}</tbody></table>' if properties else ""
    inner = collection if collection else f'<div class="page-body">{body}</div>'
    return (HEAD.format(t=title) + f'<article id="{dashed(page_id)}" class="page sans"><header>'
            f'<h1 class="page-title">{title}</h1><p class="page-description"></p>{props}</header>'
            f'{inner}</article></body></html>')


def rich_body(link_to: str, link_title: str, image: str | None, block_link: str | None = None) -> str:
    """One of every block type the converter handles."""
    b = [
        '<h2 id="h-1">Plans</h2>',
        '<p id="p-1">I live in Lisbon and my favourite food is bacalhau.</p>',
        '<p id="p-2">Some <strong>bold </strong>and <em>italic</em>, <del>gone</del>, <code>code</code>, '
        '<span style="border-bottom:0.05em solid">under</span> and <mark class="highlight-yellow_background">marked'
        '</mark> text.</p>',
        '<ul id="l-1" class="bulleted-list"><li style="list-style-type:disc">first</li></ul>'
        '<ul id="l-2" class="bulleted-list"><li style="list-style-type:disc">second</li></ul>',
        '<ol type="1" id="o-1" class="numbered-list" start="1"><li>one</li></ol>'
        '<ol type="1" id="o-2" class="numbered-list" start="2"><li>two</li></ol>',
        '<ul id="t-1" class="to-do-list"><li><div class="checkbox checkbox-on"></div> '
        '<span class="to-do-children-checked">done task</span></li></ul>'
        '<ul id="t-2" class="to-do-list"><li><div class="checkbox checkbox-off"></div> '
        '<span class="to-do-children-unchecked">open task</span></li></ul>',
        '<ul id="g-1" class="toggle"><li><details open=""><summary>Toggle title</summary>'
        '<p id="g-2">hidden text</p></details></li></ul>',
        '<figure class="block-color-gray_background callout" style="white-space:pre-wrap;display:flex" id="c-1">'
        '<div style="font-size:1.5em"><span class="icon">💡</span></div><div style="width:100%">'
        '<p id="c-2">A useful tip</p></div></figure>',
        '<blockquote id="q-1">Quoted words</blockquote>',
        '<pre id="k-1" class="code"><code class="language-Python">def f():\n    return 1</code></pre>',
        '<figure id="e-1" class="equation"><div class="equation-container"><span class="katex-display">'
        '<span class="katex"><span class="katex-mathml"><math><semantics><annotation encoding="application/x-tex">'
        'E = mc^2</annotation></semantics></math></span></span></span></div></figure>',
        '<table id="s-1" class="simple-table"><tbody><tr><td>a</td><td>b</td></tr><tr><td>1</td><td>2</td></tr>'
        '</tbody></table>',
        '<div id="col" class="column-list"><div id="c1" class="column"><p id="cp1">left column</p></div>'
        '<div id="c2" class="column"><p id="cp2">right column</p></div></div>',
        '<figure id="b-1"><a href="https://example.com" class="bookmark source"><div class="bookmark-info">'
        '<div class="bookmark-text"><div class="bookmark-title">Example</div><div class="bookmark-description">'
        'An example site</div></div></div></a></figure>',
        '<hr id="d-1"/>',
        '<nav id="toc" class="block-color-gray table_of_contents"><div class="table_of_contents-item '
        'table_of_contents-indent-0"><a class="table_of_contents-link" href="#h-1">Plans</a></div></nav>',
        f'<figure id="lp-1" class="link-to-page"><a href="{link_to}">{link_title}</a></figure>',
        f'<p id="p-3">See <a href="{link_to}">{link_title}</a> inline.</p>',
    ]
    if block_link:
        b.append(f'<p id="p-4">Jump to <a href="{block_link}">that block</a>.</p>')
    if image:
        b.append(f'<figure id="i-1" class="image"><a href="{image}"><img src="{image}"/></a></figure>')
    return "".join(b)


def html_export(root: Path, *, pages: int = 20, rows: int = 10, fanout: int = 10, rich: bool = True,
                seed: int = 1) -> dict[str, str]:
    """A tree of `pages` pages (`fanout` children each) under one root page, a database of `rows`
    rows under the root. Returns {title: id} of a few pages for the tests."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    ids = {"root": nid(f"root{seed}")}
    root_name = f"Home {ids['root']}"
    entries: list[tuple[str, str, str, tuple[str, ...]]] = []  # (title, id, folder, ancestors' names)
    # Breadth-first: page k's parent is page (k-1)//fanout (page 0: the root).
    folders = {0: (root / root_name, (root_name,))}
    for k in range(1, pages):
        parent = (k - 1) // fanout
        if parent not in folders:
            continue
        folder, names = folders[parent]
        title = f"Page {k} {rng.choice(['notes', 'ideas', 'journal', 'plans'])}"
        pid = nid(f"p{k}-{seed}")
        entries.append((title, pid, str(folder), names))
        folders[k] = (folder / f"{title} {pid}", names + (f"{title} {pid}",))
    png = b"\x89PNG\r\n\x1a\n" + bytes(64)
    (root / root_name).mkdir(parents=True, exist_ok=True)
    first = entries[0] if entries else None
    link = href(root_name, f"{first[0]} {first[1]}.html") if first else "#"
    (root / root_name / "Untitled.png").write_bytes(png)
    body = rich_body(link, first[0] if first else "", href(root_name, "Untitled.png"), None) if rich else \
        "<p>root</p>"
    (root / f"{root_name}.html").write_text(html_page("Home", ids["root"], body), "utf-8")
    for n, (title, pid, folder, names) in enumerate(entries):
        fp = Path(folder)
        fp.mkdir(parents=True, exist_ok=True)
        back = "../" * (len(names) - 1) + href(f"{root_name}.html")
        # Most pages are notes; one in 50 says something about the writer (a fact to extract).
        first = (f"I moved to {rng.choice(['Lisbon', 'Porto', 'Madrid', 'Berlin'])} in {1990 + n % 30}."
                 if n % 50 == 0 else f"Notes from day {n}.")
        body = (f'<p id="{dashed(nid(pid + "a"))}">{first} It mentions <a href="{back}">Home</a>.</p>'
                f'<p id="{dashed(nid(pid + "b"))}">Some ordinary text about topic {n % 37} with '
                f'<strong>bold</strong> words.</p><ul class="bulleted-list"><li>item {n}</li></ul>')
        (fp / f"{title} {pid}.html").write_text(html_page(title, pid, body), "utf-8")
        ids.setdefault(title, pid)
    if rows:
        did = ids["db"] = nid(f"db{seed}")
        db_name = f"People {did}"
        head = "<thead><tr><th>Name</th><th>Age</th><th>Tags</th><th>Birthday</th><th>Active</th></tr></thead>"
        trs = []
        db_folder = root / root_name / db_name
        db_folder.mkdir(parents=True, exist_ok=True)
        for r in range(rows):
            rid = nid(f"row{r}-{seed}")
            name = f"Person {r}"
            trs.append(f'<tr id="{dashed(rid)}"><td class="cell-title"><a href="{href(db_name, f"{name} {rid}.html")}">'
                       f'{name}</a></td><td>{20 + r % 50}</td></tr>')
            props = (f'<tr class="property-row property-row-number"><th>Age</th><td>{20 + r % 50}</td></tr>'
                     f'<tr class="property-row property-row-multi_select"><th>Tags</th><td>'
                     f'<span class="selected-value select-value-color-blue">friend</span>'
                     f'<span class="selected-value select-value-color-red">team {r % 3}</span></td></tr>'
                     f'<tr class="property-row property-row-date"><th>Birthday</th><td><time>@May {1 + r % 28}, 1990'
                     f'</time></td></tr>'
                     f'<tr class="property-row property-row-checkbox"><th>Active</th><td><div class="checkbox '
                     f'checkbox-{"on" if r % 2 else "off"}"></div></td></tr>')
            if r:
                prev = nid(f"row{r - 1}-{seed}")
                props += (f'<tr class="property-row property-row-relation"><th>Knows</th><td><a href="'
                          f'{href(f"Person {r - 1} {prev}.html")}">Person {r - 1}</a></td></tr>')
            (db_folder / f"{name} {rid}.html").write_text(
                html_page(name, rid, f"<p>Row {r} notes.</p>", properties=props), "utf-8")
        collection = f'<table class="collection-content">{head}<tbody>{"".join(trs)}</tbody></table>'
        (root / root_name / f"{db_name}.html").write_text(html_page("People", did, "", collection=collection), "utf-8")
    return ids


def zip_folder(folder: Path, target: Path, *, parts: int = 1, wrapper: str = "Export-0f0e") -> Path:
    """Zip `folder` as Notion does: one zip, or (parts > 1) an outer zip of Part-N.zip shards,
    each holding its share of the files under the `wrapper` folder."""
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    if parts <= 1:
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
            for f in files:
                zf.write(f, f"{wrapper}/{f.relative_to(folder).as_posix()}")
        return target
    shards = [files[i::parts] for i in range(parts)]
    with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as outer:
        for n, shard in enumerate(shards, 1):
            part = target.with_name(f"{wrapper}-Part-{n}.zip")
            with zipfile.ZipFile(part, "w", zipfile.ZIP_DEFLATED) as zf:
                for f in shard:
                    zf.write(f, f"{wrapper}/{f.relative_to(folder).as_posix()}")
            outer.write(part, part.name)
            part.unlink()
    return target


def md_export(root: Path, seed: int = 1) -> dict[str, str]:
    """A small Markdown & CSV export: a page with a sub-page, a callout, an image, and a database
    (CSV pair with a BOM) whose rows have `Key: Value` property lines."""
    ids = {"root": nid(f"mdroot{seed}"), "sub": nid(f"mdsub{seed}"), "db": nid(f"mddb{seed}")}
    rn, sn, dn = f"Journal {ids['root']}", f"Sub page {ids['sub']}", f"Contacts {ids['db']}"
    (root / rn / dn).mkdir(parents=True, exist_ok=True)
    (root / rn / "Untitled.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(16))
    (root / f"{rn}.md").write_text(
        "# Journal\n\nI moved to Porto in 2021 and I work as a nurse.\n\n"
        "<aside>\n💡 Remember the plants\n\n</aside>\n\n"
        f"[Sub page]({href(rn, sn + '.md')})\n\n![Untitled]({href(rn, 'Untitled.png')})\n\n"
        f"[Contacts]({href(rn, dn + '.csv')})\n\nStatus: not a property here\n", "utf-8")
    (root / rn / f"{sn}.md").write_text(f"# Sub page\n\nBack to [Journal](../{href(rn + '.md')})\n", "utf-8")
    rows = [("Ana Costa", "34", "friend, work", "May 3, 1990", "Yes"), ("Rui Lopes", "41", "family", "June 9, 1983",
                                                                             "No")]
    ids.update({r[0]: nid(f"c{r[0]}{seed}") for r in rows})
    header = "Name,Age,Tags,Birthday,Close,Knows\n"
    lines = []
    for i, (name, age, tags, bday, close) in enumerate(rows):
        other = rows[1 - i][0]
        knows = f"{other} ({href(f'{other} {ids[other]}.md')})"
        lines.append(f'{name},{age},"{tags}","{bday}",{close},"{knows}"\n')
        (root / rn / dn / f"{name} {ids[name]}.md").write_text(
            f"# {name}\n\nAge: {age}\nTags: {tags}\nBirthday: {bday}\nClose: {close}\nKnows: {knows}\n\n"
            f"Met at the conference.\n", "utf-8")
    (root / rn / f"{dn}.csv").write_text("\ufeff" + header + lines[0], "utf-8")
    (root / rn / f"{dn}_all.csv").write_text("\ufeff" + header + "".join(lines), "utf-8")
    return ids
