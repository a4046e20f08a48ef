# Draws continuous-batching-step.svg (beside this file): the batch scheduler's cache rows during one decode step.
# python3 docs/images/continuous-batching-step.py
W, H = 900, 460
cell = 34
out = []
def rect(x, y, w, h, fill, stroke="#444", text=None, tc="#000", size=13):
    out.append(f'<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{fill}" stroke="{stroke}" stroke-width="1"/>')
    if text is not None:
        out.append(f'<text x="{x + w / 2}" y="{y + h / 2 + 4.5}" font-size="{size}" text-anchor="middle" fill="{tc}">{text}</text>')
def label(x, y, s, size=13, anchor="start", weight="normal", fill="#000"):
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    out.append(f'<text x="{x}" y="{y}" font-size="{size}" text-anchor="{anchor}" font-weight="{weight}" fill="{fill}">{s}</text>')
PAD, KV, NEW, PRE = "#e6e6e6", "#9ecae1", "#fdae6b", "#c7e9c0"
x0, y0 = 150, 70
L = 7
label(20, 30, "One decode step of the batch scheduler (ContinuousBatcher)", 17, weight="bold")
label(x0, y0 - 12, "the batch's KV cache: one timeline of L = 7 positions, a row per sequence", 12)
rows = [("A", 7, "p 7"), ("B", 4, "p 4"), ("C", 2, "p 2")]
for r, (name, n, pos) in enumerate(rows):
    y = y0 + r * (cell + 8)
    label(x0 - 12, y + cell / 2 + 5, f"row {r}: {name}", 13, anchor="end")
    start = L - n
    for j in range(L):
        if j < start:
            rect(x0 + j * cell, y, cell, cell, PAD, text="pad", tc="#888", size=10)
        else:
            rect(x0 + j * cell, y, cell, cell, KV, text=str(j - start), size=11)
    rect(x0 + L * cell + 6, y, cell + 10, cell, NEW, text=pos, size=11)
for j in range(L + 1):
    label(x0 + j * cell + (cell / 2 if j < L else cell / 2 + 11), y0 + 3 * (cell + 8) + 14, str(j), 10, anchor="middle", fill="#666")
yb = y0 + 3 * (cell + 8) + 40
label(x0, yb, "one forward pass for all rows: ids (B, 1) = each row's last token (orange), positions (B, 1) = each row's", 12)
label(x0, yb + 17, "own length, padding mask (B, L + 1) = -1e9 on the grey positions; each row's new key/value is written", 12)
label(x0, yb + 34, "at column L, so every row grows by one; the logits (B, V) give each row its next token by its own sampler.", 12)
# the joining group
gx, gy = 640, y0
label(gx, gy - 12, "joining group (own cache)", 12, weight="bold")
group = [("D", 5), ("E", 3)]
for r, (name, n) in enumerate(group):
    y = gy + r * (cell + 8)
    label(gx - 6, y + cell / 2 + 5, name, 13, anchor="end")
    start = 5 - n
    for j in range(5):
        fill = PAD if j < start else PRE
        rect(gx + j * 26, y, 26, cell, fill, text="pad" if j < start else str(j - start), tc="#888" if j < start else "#000", size=10)
label(gx, gy + 2 * (cell + 8) + 12, "prompts left-padded, run prefillChunk", 11)
label(gx, gy + 2 * (cell + 8) + 27, "positions per step between decode steps", 11)
# boundary
yc = yb + 75
label(20, yc, "At the step boundary", 14, weight="bold")
label(20, yc + 22, "leave: a row that ended (end id, max tokens, client gone) is dropped, and the padding all remaining rows", 12)
label(20, yc + 39, "have in front goes with it (KvCache.retain): the timeline is always the longest row's length, at most the context.", 12)
label(20, yc + 61, "join: when the group's prompts are done, each row's first token is sampled and the group's rows are", 12)
label(20, yc + 78, "appended right-aligned (KvCache.merge): the shorter side gets padding in front, hidden by its mask.", 12)
# legend
lx, ly = 20, H - 24
for i, (c, t) in enumerate([(KV, "cached key/value (its position id)"), (NEW, "token fed this step (its position)"), (PAD, "padding, masked out"), (PRE, "prompt being prefilled")]):
    rect(lx + i * 220, ly - 13, 16, 16, c)
    label(lx + i * 220 + 22, ly, t, 11)
svg = f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="Helvetica, Arial, sans-serif">\n<rect width="{W}" height="{H}" fill="#fff"/>\n' + "\n".join(out) + "\n</svg>\n"
open(__file__.replace(".py", ".svg"), "w").write(svg)
