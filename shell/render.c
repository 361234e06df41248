#include "render.h"

#include <md4c.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* Inline styles: one style byte goes with every byte of inline text. */
enum {
	ST_BOLD = 1 << 0,
	ST_ITALIC = 1 << 1,
	ST_CODE = 1 << 2,
	ST_LINK = 1 << 3,
	ST_URL = 1 << 4,
	ST_STRIKE = 1 << 5,
	ST_H1 = 1 << 6,
	ST_H2 = 1 << 7,
};
#define ST_NBITS 8

/* Columns always left for text, however deep lists and quotes nest. */
#define MIN_TEXT 20
/* Code blocks are indented this much beyond their container. */
#define CODE_INDENT "    "

/* Inline text waiting to be wrapped: a paragraph, a heading, a table cell. */
struct inl {
	struct strbuf text;
	struct strbuf style;	/* style[i] is the style of text[i] */
};

struct line {
	char *s;	/* with its escape sequences, no newline */
	int w;		/* columns */
};

struct lines {
	struct line *v;
	int n;
};

/* A container: a list, a list item or a quote. */
struct frame {
	MD_BLOCKTYPE type;
	char *first;	/* prefix on the first line of an item (its bullet) */
	char *rest;	/* prefix on every other line */
	int w;		/* columns of either prefix */
	int first_pending;
	int tight;	/* lists: items without blank lines between them */
	int ordered;
	unsigned number;	/* ordered lists: the next item's number */
	char delim;
};

struct table {
	int ncols;
	MD_ALIGN *align;
	struct inl *cells;	/* nrows * ncols */
	int nrows;
	int col;	/* next cell in the current row */
	int head_rows;
};

struct render {
	struct strbuf *out;
	int width;
	int color;

	struct frame *frames;
	int nframes;

	struct inl para;	/* inline text of the current block */
	struct inl cell;	/* inline text of the current table cell */
	struct inl *cur;	/* where inline text goes now */
	int depth[ST_NBITS];	/* how many open spans set each style */
	unsigned base;		/* style of the whole block (a heading) */

	struct strbuf code;	/* the current code block, verbatim */
	int in_code, in_html;

	char **hrefs;		/* open links and images: their targets */
	size_t *starts;		/* and where their text starts in cur */
	int nspans;

	struct table table;
	int in_table, in_head;

	int started;		/* something was printed */
	int blank_pending;	/* a blank line is owed before the next block */
};

/* ---- text ---- */

static int is_cont(unsigned char c)
{
	return (c & 0xc0) == 0x80;
}

int render_text_width(const char *s, size_t len)
{
	int w = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == 0x1b && i + 1 < len && s[i + 1] == '[') {
			for (i += 2; i < len && !(s[i] >= 0x40 && s[i] <= 0x7e); i++)
				;
			continue;
		}
		if (!is_cont(c))
			w++;
	}
	return w;
}

/*
 * Append n bytes of source text to sb with control characters made
 * harmless: caret form for C0 and DEL, U+FFFD for C1 (which some
 * terminals obey).  keep_newline: '\n' stays (code); otherwise it and
 * tabs become spaces.  Returns through *styled nothing: the caller adds
 * style bytes for what was appended.
 */
static void add_clean(struct strbuf *sb, const char *s, size_t n, int keep_newline)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\n' && keep_newline) {
			strbuf_addch(sb, '\n');
		} else if (c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f') {
			strbuf_addch(sb, keep_newline && c == '\t' ? '\t' : ' ');
		} else if (c < 0x20 || c == 0x7f) {
			strbuf_addch(sb, '^');
			strbuf_addch(sb, c == 0x7f ? '?' : c + 0x40);
		} else if (c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 &&
			   (unsigned char)s[i + 1] <= 0x9f) {
			strbuf_addstr(sb, "\xef\xbf\xbd");
			i++;
		} else {
			strbuf_addch(sb, c);
		}
	}
}

static void inl_add(struct inl *in, const char *s, size_t n, unsigned st)
{
	size_t before = in->text.len;

	add_clean(&in->text, s, n, 0);
	for (size_t i = before; i < in->text.len; i++)
		strbuf_addch(&in->style, (int)st);
}

static void inl_addstr(struct inl *in, const char *s, unsigned st)
{
	inl_add(in, s, strlen(s), st);
}

/* A hard line break: the only '\n' inline text holds. */
static void inl_break(struct inl *in)
{
	strbuf_addch(&in->text, '\n');
	strbuf_addch(&in->style, 0);
}

static void inl_reset(struct inl *in)
{
	strbuf_reset(&in->text);
	strbuf_reset(&in->style);
}

static void inl_release(struct inl *in)
{
	strbuf_release(&in->text);
	strbuf_release(&in->style);
}

/* Switch the terminal from style from to style to. */
static void sgr(struct strbuf *o, unsigned from, unsigned to)
{
	if (from == to)
		return;
	if (from)
		strbuf_addstr(o, "\033[0m");
	if (to & (ST_BOLD | ST_H1 | ST_H2))
		strbuf_addstr(o, "\033[1m");
	if (to & ST_ITALIC)
		strbuf_addstr(o, "\033[3m");
	if (to & ST_LINK)
		strbuf_addstr(o, "\033[4m");
	if (to & ST_STRIKE)
		strbuf_addstr(o, "\033[9m");
	if (to & ST_URL)
		strbuf_addstr(o, "\033[2m");
	if (to & ST_H1)
		strbuf_addstr(o, "\033[35m");
	else if (to & ST_H2)
		strbuf_addstr(o, "\033[33m");
	else if (to & ST_CODE)
		strbuf_addstr(o, "\033[36m");
}

/* ---- wrapping ---- */

struct wrap {
	struct lines *out;
	struct strbuf line;
	int w;
	unsigned st;	/* style the line is in now */
	int color;
};

static void wrap_push(struct wrap *wr)
{
	struct lines *ls = wr->out;

	if (wr->color)
		sgr(&wr->line, wr->st, 0);
	wr->st = 0;
	ls->v = xrealloc(ls->v, (size_t)(ls->n + 1) * sizeof(*ls->v));
	ls->v[ls->n].w = wr->w;
	ls->v[ls->n].s = xstrdup(strbuf_str(&wr->line));
	ls->n++;
	strbuf_reset(&wr->line);
	wr->w = 0;
}

static void wrap_byte(struct wrap *wr, char c, unsigned st)
{
	if (wr->color && st != wr->st) {
		sgr(&wr->line, wr->st, st);
		wr->st = st;
	}
	strbuf_addch(&wr->line, c);
}

/*
 * Break inline text into lines of at most avail columns: at spaces, at
 * hard breaks, and inside a word only when the word alone is too long.
 */
static void wrap(const struct inl *in, int avail, int color, struct lines *out)
{
	const char *t = strbuf_str(&in->text);
	const unsigned char *sty = (const unsigned char *)strbuf_str(&in->style);
	size_t n = in->text.len, i = 0;
	struct wrap wr = { out, STRBUF_INIT, 0, 0, color };
	int space = 0;
	unsigned space_st = 0;

	if (avail < 1)
		avail = 1;
	while (i < n) {
		size_t j;
		int ww = 0;

		if (t[i] == '\n') {
			wrap_push(&wr);
			space = 0;
			i++;
			continue;
		}
		if (t[i] == ' ') {
			if (wr.w > 0 && !space) {
				space = 1;
				space_st = sty[i];
			}
			i++;
			continue;
		}
		for (j = i; j < n && t[j] != ' ' && t[j] != '\n'; j++)
			if (!is_cont((unsigned char)t[j]))
				ww++;
		if (wr.w > 0 && wr.w + space + ww > avail) {
			wrap_push(&wr);
			space = 0;
		}
		if (space) {
			wrap_byte(&wr, ' ', space_st);
			wr.w++;
			space = 0;
		}
		while (i < j) {
			if (wr.w >= avail)
				wrap_push(&wr);
			/* One character: its lead byte and continuation bytes. */
			wrap_byte(&wr, t[i], sty[i]);
			for (i++; i < j && is_cont((unsigned char)t[i]); i++)
				wrap_byte(&wr, t[i], sty[i]);
			wr.w++;
		}
	}
	if (wr.w > 0)
		wrap_push(&wr);
	strbuf_release(&wr.line);
}

static void lines_release(struct lines *ls)
{
	for (int i = 0; i < ls->n; i++)
		free(ls->v[i].s);
	free(ls->v);
	ls->v = NULL;
	ls->n = 0;
}

/* ---- containers and block output ---- */

static void trim_spaces(struct strbuf *sb, size_t keep)
{
	while (sb->len > keep && sb->buf[sb->len - 1] == ' ')
		sb->buf[--sb->len] = '\0';
}

/* The first frame whose prefix is printed: outer ones give way to text. */
static int first_shown_frame(struct render *r)
{
	int k = r->nframes, w = 0;

	while (k > 0 && w + r->frames[k - 1].w <= r->width - MIN_TEXT) {
		w += r->frames[k - 1].w;
		k--;
	}
	return k;
}

static int text_width(struct render *r)
{
	int w = r->width;

	for (int k = first_shown_frame(r); k < r->nframes; k++)
		w -= r->frames[k].w;
	return w;
}

/* The prefix of one output line; blank: the line has no text. */
static void put_prefix(struct render *r, int blank)
{
	size_t start = r->out->len;

	for (int k = first_shown_frame(r); k < r->nframes; k++) {
		struct frame *f = &r->frames[k];

		strbuf_addstr(r->out, f->first_pending && !blank ? f->first : f->rest);
	}
	if (blank) {
		trim_spaces(r->out, start);
		return;
	}
	for (int k = 0; k < r->nframes; k++)
		r->frames[k].first_pending = 0;
}

/* Called before a block's first line: the blank line the last block owes. */
static void block_start(struct render *r)
{
	if (r->blank_pending && r->started) {
		put_prefix(r, 1);
		strbuf_addch(r->out, '\n');
	}
	r->blank_pending = 0;
	r->started = 1;
}

/*
 * Called before a container (list, quote) opens: the blank line owed goes
 * out with the prefix outside the container, not with the new one's.
 */
static void container_start(struct render *r)
{
	if (r->blank_pending && r->started) {
		put_prefix(r, 1);
		strbuf_addch(r->out, '\n');
		r->blank_pending = 0;
	}
}

static void put_line(struct render *r, const char *s)
{
	put_prefix(r, 0);
	strbuf_addstr(r->out, s);
	trim_spaces(r->out, 0);
	strbuf_addch(r->out, '\n');
}

/* Wrap and print the inline text collected so far, if any. */
static void flush_inline(struct render *r)
{
	struct lines ls = { 0 };

	if (!r->para.text.len)
		return;
	wrap(&r->para, text_width(r), r->color, &ls);
	inl_reset(&r->para);
	if (!ls.n)
		return;
	block_start(r);
	for (int i = 0; i < ls.n; i++)
		put_line(r, ls.v[i].s);
	lines_release(&ls);
}

/* A line of c, w columns long, in style st. */
static void put_rule(struct render *r, const char *c, int w, unsigned st)
{
	struct strbuf sb = STRBUF_INIT;

	if (r->color)
		sgr(&sb, 0, st);
	for (int i = 0; i < w; i++)
		strbuf_addstr(&sb, c);
	if (r->color)
		sgr(&sb, st, 0);
	put_line(r, strbuf_str(&sb));
	strbuf_release(&sb);
}

static void flush_heading(struct render *r, unsigned level)
{
	struct lines ls = { 0 };
	int w = 0;

	wrap(&r->para, text_width(r), r->color, &ls);
	inl_reset(&r->para);
	if (!ls.n)
		return;
	block_start(r);
	for (int i = 0; i < ls.n; i++) {
		put_line(r, ls.v[i].s);
		if (ls.v[i].w > w)
			w = ls.v[i].w;
	}
	if (level <= 2)
		put_rule(r, level == 1 ? "=" : "-", w, level == 1 ? ST_H1 : ST_H2);
	lines_release(&ls);
}

/* A code block: each line as it is, indented and coloured, tabs expanded, never wrapped. */
static void flush_code(struct render *r)
{
	struct strbuf clean = STRBUF_INIT, line = STRBUF_INIT;
	const char *p, *end;

	add_clean(&clean, strbuf_str(&r->code), r->code.len, 1);
	strbuf_reset(&r->code);
	p = strbuf_str(&clean);
	end = p + clean.len;
	if (p < end)
		block_start(r);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *stop = nl ? nl : end;
		int col = 0;

		strbuf_reset(&line);
		strbuf_addstr(&line, CODE_INDENT);
		if (r->color && p < stop)
			sgr(&line, 0, ST_CODE);
		for (const char *q = p; q < stop; q++) {
			if (*q == '\t') {
				do
					strbuf_addch(&line, ' ');
				while (++col % 8);
				continue;
			}
			strbuf_addch(&line, *q);
			if (!is_cont((unsigned char)*q))
				col++;
		}
		if (r->color && p < stop)
			sgr(&line, ST_CODE, 0);
		put_line(r, strbuf_str(&line));
		p = nl ? nl + 1 : end;
	}
	strbuf_release(&line);
	strbuf_release(&clean);
}

static struct frame *push_frame(struct render *r, MD_BLOCKTYPE type)
{
	struct frame *f;

	r->frames = xrealloc(r->frames, (size_t)(r->nframes + 1) * sizeof(*r->frames));
	f = &r->frames[r->nframes++];
	memset(f, 0, sizeof(*f));
	f->type = type;
	return f;
}

static void pop_frame(struct render *r, MD_BLOCKTYPE type)
{
	struct frame *f;

	if (!r->nframes || r->frames[r->nframes - 1].type != type)
		return;
	f = &r->frames[--r->nframes];
	free(f->first);
	free(f->rest);
}

/* The list an item belongs to, or NULL. */
static struct frame *current_list(struct render *r)
{
	for (int k = r->nframes - 1; k >= 0; k--)
		if (r->frames[k].type == MD_BLOCK_UL || r->frames[k].type == MD_BLOCK_OL)
			return &r->frames[k];
	return NULL;
}

static void enter_item(struct render *r, const MD_BLOCK_LI_DETAIL *d)
{
	struct frame *list = current_list(r);
	struct frame *f;
	char *mark;

	if (d && d->is_task)
		mark = xasprintf("[%c] ", d->task_mark == ' ' ? ' ' : 'x');
	else if (list && list->ordered)
		mark = xasprintf("%u%c ", list->number++, list->delim);
	else
		mark = xstrdup(r->color ? "\xe2\x80\xa2 " : "- ");
	f = push_frame(r, MD_BLOCK_LI);
	f->w = render_text_width(mark, strlen(mark));
	f->first = mark;
	f->rest = xasprintf("%*s", f->w, "");
	f->first_pending = 1;
}

/* ---- tables ---- */

static void table_release(struct table *t)
{
	for (int i = 0; i < t->nrows * t->ncols; i++)
		inl_release(&t->cells[i]);
	free(t->cells);
	free(t->align);
	memset(t, 0, sizeof(*t));
}

static void table_add_row(struct table *t)
{
	t->cells = xrealloc(t->cells, (size_t)(t->nrows + 1) * (size_t)t->ncols * sizeof(*t->cells));
	memset(&t->cells[t->nrows * t->ncols], 0, (size_t)t->ncols * sizeof(*t->cells));
	t->nrows++;
	t->col = 0;
}

/* A row with more cells than the header: widen the table, lose nothing. */
static void table_widen(struct table *t)
{
	int n = t->ncols + 1;
	struct inl *cells = xcalloc((size_t)(t->nrows ? t->nrows : 1) * (size_t)n, sizeof(*cells));

	for (int r = 0; r < t->nrows; r++)
		for (int c = 0; c < t->ncols; c++)
			cells[r * n + c] = t->cells[r * t->ncols + c];
	free(t->cells);
	t->cells = cells;
	t->align = xrealloc(t->align, (size_t)n * sizeof(*t->align));
	t->align[t->ncols] = MD_ALIGN_DEFAULT;
	t->ncols = n;
}

static void table_store_cell(struct render *r, MD_ALIGN align)
{
	struct table *t = &r->table;

	if (!t->nrows)
		table_add_row(t);
	if (t->col >= t->ncols)
		table_widen(t);
	if (t->nrows == 1 || t->align[t->col] == MD_ALIGN_DEFAULT)
		t->align[t->col] = align;
	t->cells[(t->nrows - 1) * t->ncols + t->col] = r->cell;
	memset(&r->cell, 0, sizeof(r->cell));
	t->col++;
}

static void put_cell_line(struct strbuf *sb, const struct line *l, int w, MD_ALIGN align, int last)
{
	const char *s = l ? l->s : "";
	int pad = w - (l ? l->w : 0), left = 0;

	if (pad < 0)
		pad = 0;
	if (align == MD_ALIGN_RIGHT)
		left = pad;
	else if (align == MD_ALIGN_CENTER)
		left = pad / 2;
	strbuf_addf(sb, "%*s%s", left, "", s);
	if (!last)
		strbuf_addf(sb, "%*s", pad - left, "");
}

/*
 * Columns as wide as their widest cell; when that is wider than the
 * text, the widest column gives up a column at a time and its cells wrap.
 */
static void flush_table(struct render *r)
{
	struct table *t = &r->table;
	int avail = text_width(r), total, *w;
	struct strbuf sb = STRBUF_INIT;

	if (!t->nrows || !t->ncols) {
		table_release(t);
		return;
	}
	w = xcalloc((size_t)t->ncols, sizeof(*w));
	for (int i = 0; i < t->nrows * t->ncols; i++) {
		struct lines ls = { 0 };

		wrap(&t->cells[i], 1 << 20, 0, &ls);
		for (int k = 0; k < ls.n; k++)
			if (ls.v[k].w > w[i % t->ncols])
				w[i % t->ncols] = ls.v[k].w;
		lines_release(&ls);
	}
	total = 2 * (t->ncols - 1);
	for (int c = 0; c < t->ncols; c++) {
		if (w[c] < 1)
			w[c] = 1;
		total += w[c];
	}
	while (total > avail) {
		int widest = 0;

		for (int c = 1; c < t->ncols; c++)
			if (w[c] > w[widest])
				widest = c;
		if (w[widest] <= 1)
			break;
		w[widest]--;
		total--;
	}
	block_start(r);
	for (int row = 0; row < t->nrows; row++) {
		struct lines *ls = xcalloc((size_t)t->ncols, sizeof(*ls));
		int height = 0;

		for (int c = 0; c < t->ncols; c++) {
			wrap(&t->cells[row * t->ncols + c], w[c], r->color, &ls[c]);
			if (ls[c].n > height)
				height = ls[c].n;
		}
		for (int k = 0; k < height || (k == 0 && height == 0); k++) {
			strbuf_reset(&sb);
			for (int c = 0; c < t->ncols; c++) {
				if (c)
					strbuf_addstr(&sb, "  ");
				put_cell_line(&sb, k < ls[c].n ? &ls[c].v[k] : NULL, w[c],
					      t->align[c], c == t->ncols - 1);
			}
			put_line(r, strbuf_str(&sb));
		}
		if (row + 1 == t->head_rows) {
			strbuf_reset(&sb);
			for (int c = 0; c < t->ncols; c++) {
				if (c)
					strbuf_addstr(&sb, "  ");
				for (int i = 0; i < w[c]; i++)
					strbuf_addstr(&sb, r->color ? "\xe2\x94\x80" : "-");
			}
			put_line(r, strbuf_str(&sb));
		}
		for (int c = 0; c < t->ncols; c++)
			lines_release(&ls[c]);
		free(ls);
	}
	strbuf_release(&sb);
	free(w);
	table_release(t);
}

/* ---- md4c callbacks ---- */

static unsigned cur_style(struct render *r)
{
	unsigned st = r->base;

	for (int b = 0; b < ST_NBITS; b++)
		if (r->depth[b])
			st |= 1u << b;
	if (r->in_head)
		st |= ST_BOLD;
	return st;
}

static void style_push(struct render *r, unsigned bit, int on)
{
	for (int b = 0; b < ST_NBITS; b++)
		if (bit == 1u << b)
			r->depth[b] += on ? 1 : (r->depth[b] > 0 ? -1 : 0);
}

static int enter_block(MD_BLOCKTYPE type, void *detail, void *data)
{
	struct render *r = data;
	struct frame *f;

	if (type != MD_BLOCK_DOC && !r->in_table)
		flush_inline(r);
	if (type == MD_BLOCK_QUOTE || type == MD_BLOCK_UL || type == MD_BLOCK_OL)
		container_start(r);
	switch (type) {
	case MD_BLOCK_QUOTE:
		f = push_frame(r, type);
		f->first = xstrdup(r->color ? "\033[2m\xe2\x94\x82\033[0m " : "> ");
		f->rest = xstrdup(f->first);
		f->w = 2;
		break;
	case MD_BLOCK_UL:
		f = push_frame(r, type);
		f->tight = ((MD_BLOCK_UL_DETAIL *)detail)->is_tight;
		f->first = xstrdup("");
		f->rest = xstrdup("");
		break;
	case MD_BLOCK_OL:
		f = push_frame(r, type);
		f->tight = ((MD_BLOCK_OL_DETAIL *)detail)->is_tight;
		f->ordered = 1;
		f->number = ((MD_BLOCK_OL_DETAIL *)detail)->start;
		f->delim = ((MD_BLOCK_OL_DETAIL *)detail)->mark_delimiter;
		if (f->delim != '.' && f->delim != ')')
			f->delim = '.';
		f->first = xstrdup("");
		f->rest = xstrdup("");
		break;
	case MD_BLOCK_LI:
		enter_item(r, detail);
		break;
	case MD_BLOCK_HR:
		block_start(r);
		put_rule(r, r->color ? "\xe2\x94\x80" : "-", text_width(r), 0);
		r->blank_pending = 1;
		break;
	case MD_BLOCK_H:
		switch (((MD_BLOCK_H_DETAIL *)detail)->level) {
		case 1:
			r->base = ST_H1;
			break;
		case 2:
			r->base = ST_H2;
			break;
		default:
			r->base = ST_BOLD;
		}
		break;
	case MD_BLOCK_CODE:
		r->in_code = 1;
		strbuf_reset(&r->code);
		break;
	case MD_BLOCK_HTML:
		r->in_html = 1;
		break;
	case MD_BLOCK_TABLE:
		table_release(&r->table);
		r->table.ncols = (int)((MD_BLOCK_TABLE_DETAIL *)detail)->col_count;
		if (r->table.ncols < 1)
			r->table.ncols = 1;
		r->table.align = xcalloc((size_t)r->table.ncols, sizeof(MD_ALIGN));
		r->in_table = 1;
		break;
	case MD_BLOCK_THEAD:
		r->in_head = 1;
		break;
	case MD_BLOCK_TR:
		if (r->in_table)
			table_add_row(&r->table);
		break;
	case MD_BLOCK_TH:
	case MD_BLOCK_TD:
		inl_reset(&r->cell);
		r->cur = &r->cell;
		break;
	default:
		break;
	}
	return 0;
}

static int leave_block(MD_BLOCKTYPE type, void *detail, void *data)
{
	struct render *r = data;
	struct frame *up;

	switch (type) {
	case MD_BLOCK_P:
		if (r->in_table) {
			/* Not expected inside a table; keep the text in the cell. */
			break;
		}
		flush_inline(r);
		r->blank_pending = 1;
		break;
	case MD_BLOCK_H:
		flush_heading(r, ((MD_BLOCK_H_DETAIL *)detail)->level);
		r->base = 0;
		r->blank_pending = 1;
		break;
	case MD_BLOCK_CODE:
		flush_code(r);
		r->in_code = 0;
		r->blank_pending = 1;
		break;
	case MD_BLOCK_HTML:
		flush_inline(r);
		r->in_html = 0;
		r->blank_pending = 1;
		break;
	case MD_BLOCK_LI:
		flush_inline(r);
		pop_frame(r, type);
		break;
	case MD_BLOCK_UL:
	case MD_BLOCK_OL:
		flush_inline(r);
		pop_frame(r, type);
		/* A list nested in a tight list's item is part of that item. */
		up = current_list(r);
		r->blank_pending = !(up && up->tight);
		break;
	case MD_BLOCK_QUOTE:
		flush_inline(r);
		pop_frame(r, type);
		r->blank_pending = 1;
		break;
	case MD_BLOCK_THEAD:
		r->in_head = 0;
		r->table.head_rows = r->table.nrows;
		break;
	case MD_BLOCK_TH:
	case MD_BLOCK_TD:
		if (r->in_table)
			table_store_cell(r, ((MD_BLOCK_TD_DETAIL *)detail)->align);
		r->cur = &r->para;
		break;
	case MD_BLOCK_TABLE:
		r->in_table = r->in_head = 0;
		r->cur = &r->para;
		flush_table(r);
		r->blank_pending = 1;
		break;
	case MD_BLOCK_DOC:
		flush_inline(r);
		break;
	default:
		break;
	}
	return 0;
}

static int enter_span(MD_SPANTYPE type, void *detail, void *data)
{
	struct render *r = data;
	const MD_ATTRIBUTE *target = NULL;

	switch (type) {
	case MD_SPAN_EM:
		style_push(r, ST_ITALIC, 1);
		break;
	case MD_SPAN_STRONG:
		style_push(r, ST_BOLD, 1);
		break;
	case MD_SPAN_CODE:
	case MD_SPAN_LATEXMATH:
	case MD_SPAN_LATEXMATH_DISPLAY:
		style_push(r, ST_CODE, 1);
		if (!r->color)
			inl_addstr(r->cur, "`", cur_style(r));
		break;
	case MD_SPAN_DEL:
		style_push(r, ST_STRIKE, 1);
		if (!r->color)
			inl_addstr(r->cur, "~~", cur_style(r));
		break;
	case MD_SPAN_U:
		style_push(r, ST_LINK, 1);
		break;
	case MD_SPAN_A:
		style_push(r, ST_LINK, 1);
		target = &((MD_SPAN_A_DETAIL *)detail)->href;
		break;
	case MD_SPAN_IMG:
		target = &((MD_SPAN_IMG_DETAIL *)detail)->src;
		inl_addstr(r->cur, "[image: ", cur_style(r));
		break;
	case MD_SPAN_WIKILINK:
		target = &((MD_SPAN_WIKILINK_DETAIL *)detail)->target;
		style_push(r, ST_LINK, 1);
		break;
	}
	if (target) {
		r->hrefs = xrealloc(r->hrefs, (size_t)(r->nspans + 1) * sizeof(*r->hrefs));
		r->starts = xrealloc(r->starts, (size_t)(r->nspans + 1) * sizeof(*r->starts));
		r->hrefs[r->nspans] = xstrndup(target->text ? target->text : "", target->size);
		r->starts[r->nspans] = r->cur->text.len;
		r->nspans++;
	}
	return 0;
}

/* After a link's text: its target, unless the text already says it. */
static void close_target(struct render *r, int image)
{
	char *href, *text;
	size_t start;

	if (!r->nspans)
		return;
	href = r->hrefs[--r->nspans];
	start = r->starts[r->nspans];
	if (start > r->cur->text.len)
		start = r->cur->text.len;
	text = xstrndup(strbuf_str(&r->cur->text) + start, r->cur->text.len - start);
	if (image)
		inl_addstr(r->cur, "]", cur_style(r));
	if (*href && strcmp(href, text) &&
	    !(!strncmp(href, "mailto:", 7) && !strcmp(href + 7, text))) {
		inl_addstr(r->cur, " (", cur_style(r));
		inl_addstr(r->cur, href, cur_style(r) | ST_URL);
		inl_addstr(r->cur, ")", cur_style(r));
	}
	free(text);
	free(href);
}

static int leave_span(MD_SPANTYPE type, void *detail, void *data)
{
	struct render *r = data;

	(void)detail;
	switch (type) {
	case MD_SPAN_EM:
		style_push(r, ST_ITALIC, 0);
		break;
	case MD_SPAN_STRONG:
		style_push(r, ST_BOLD, 0);
		break;
	case MD_SPAN_CODE:
	case MD_SPAN_LATEXMATH:
	case MD_SPAN_LATEXMATH_DISPLAY:
		if (!r->color)
			inl_addstr(r->cur, "`", cur_style(r));
		style_push(r, ST_CODE, 0);
		break;
	case MD_SPAN_DEL:
		if (!r->color)
			inl_addstr(r->cur, "~~", cur_style(r));
		style_push(r, ST_STRIKE, 0);
		break;
	case MD_SPAN_U:
		style_push(r, ST_LINK, 0);
		break;
	case MD_SPAN_A:
	case MD_SPAN_WIKILINK:
		style_push(r, ST_LINK, 0);
		close_target(r, 0);
		break;
	case MD_SPAN_IMG:
		close_target(r, 1);
		break;
	}
	return 0;
}

static void add_utf8(struct strbuf *sb, unsigned long cp)
{
	if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		cp = 0xfffd;
	if (cp < 0x80) {
		strbuf_addch(sb, (int)cp);
	} else if (cp < 0x800) {
		strbuf_addch(sb, (int)(0xc0 | (cp >> 6)));
		strbuf_addch(sb, (int)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		strbuf_addch(sb, (int)(0xe0 | (cp >> 12)));
		strbuf_addch(sb, (int)(0x80 | ((cp >> 6) & 0x3f)));
		strbuf_addch(sb, (int)(0x80 | (cp & 0x3f)));
	} else {
		strbuf_addch(sb, (int)(0xf0 | (cp >> 18)));
		strbuf_addch(sb, (int)(0x80 | ((cp >> 12) & 0x3f)));
		strbuf_addch(sb, (int)(0x80 | ((cp >> 6) & 0x3f)));
		strbuf_addch(sb, (int)(0x80 | (cp & 0x3f)));
	}
}

/* An entity (&amp; &#62; &#x3e;) as UTF-8; one not known stays as written. */
static void add_entity(struct render *r, const char *s, size_t n)
{
	static const struct {
		const char *name, *utf8;
	} named[] = {
		{ "&amp;", "&" }, { "&lt;", "<" }, { "&gt;", ">" }, { "&quot;", "\"" },
		{ "&apos;", "'" }, { "&nbsp;", "\xc2\xa0" }, { "&copy;", "\xc2\xa9" },
		{ "&ndash;", "\xe2\x80\x93" }, { "&mdash;", "\xe2\x80\x94" },
		{ "&hellip;", "\xe2\x80\xa6" }, { "&rarr;", "\xe2\x86\x92" },
		{ "&larr;", "\xe2\x86\x90" }, { "&times;", "\xc3\x97" },
	};
	struct strbuf sb = STRBUF_INIT;

	if (n > 3 && s[1] == '#' && s[n - 1] == ';') {
		int hex = s[2] == 'x' || s[2] == 'X';
		char *num = xstrndup(s + 2 + hex, n - 3 - (size_t)hex), *end;
		unsigned long cp = strtoul(num, &end, hex ? 16 : 10);

		if (*num && !*end)
			add_utf8(&sb, cp);
		free(num);
	} else {
		for (size_t i = 0; i < ARRAY_SIZE(named); i++)
			if (strlen(named[i].name) == n && !memcmp(named[i].name, s, n))
				strbuf_addstr(&sb, named[i].utf8);
	}
	if (sb.len)
		inl_add(r->cur, sb.buf, sb.len, cur_style(r));
	else
		inl_add(r->cur, s, n, cur_style(r));
	strbuf_release(&sb);
}

static int text(MD_TEXTTYPE type, const MD_CHAR *s, MD_SIZE n, void *data)
{
	struct render *r = data;

	if (r->in_code) {
		strbuf_add(&r->code, s, n);
		return 0;
	}
	if (r->in_html) {
		/* Raw HTML is shown as written, its lines kept, wrapped like text. */
		for (const char *end = s + n, *nl; s < end; s = nl + 1) {
			nl = memchr(s, '\n', (size_t)(end - s));
			inl_add(r->cur, s, (size_t)((nl ? nl : end) - s), cur_style(r));
			if (!nl)
				break;
			inl_break(r->cur);
		}
		return 0;
	}
	switch (type) {
	case MD_TEXT_NULLCHAR:
		inl_addstr(r->cur, "\xef\xbf\xbd", cur_style(r));
		break;
	case MD_TEXT_BR:
		if (r->cur == &r->para)
			inl_break(r->cur);
		else
			inl_addstr(r->cur, " ", cur_style(r));
		break;
	case MD_TEXT_SOFTBR:
		inl_addstr(r->cur, " ", cur_style(r));
		break;
	case MD_TEXT_ENTITY:
		add_entity(r, s, n);
		break;
	default:
		inl_add(r->cur, s, n, cur_style(r));
		break;
	}
	return 0;
}

/* ---- entry points ---- */

void render_markdown(const char *md, size_t len, int width, int color, struct strbuf *out)
{
	MD_PARSER parser = {
		.abi_version = 0,
		.flags = MD_DIALECT_GITHUB,
		.enter_block = enter_block,
		.leave_block = leave_block,
		.enter_span = enter_span,
		.leave_span = leave_span,
		.text = text,
	};
	struct render r = { 0 };
	size_t start = out->len;

	r.out = out;
	r.width = width < MIN_TEXT ? MIN_TEXT : width;
	r.color = color;
	r.cur = &r.para;
	if (len > 0xffffffffu || md_parse(md, (MD_SIZE)len, &parser, &r) != 0) {
		/* md4c gave up (out of memory): the text as it is, made safe. */
		out->len = start;
		if (out->buf)
			out->buf[start] = '\0';
		add_clean(out, md, len, 1);
	}
	if (out->len > start && out->buf[out->len - 1] != '\n')
		strbuf_addch(out, '\n');
	while (r.nframes)
		pop_frame(&r, r.frames[r.nframes - 1].type);
	free(r.frames);
	while (r.nspans)
		free(r.hrefs[--r.nspans]);
	free(r.hrefs);
	free(r.starts);
	inl_release(&r.para);
	inl_release(&r.cell);
	strbuf_release(&r.code);
	table_release(&r.table);
}

int render_width(int fd)
{
	const char *cols = getenv("COLUMNS");
	struct winsize ws;
	long w = 0;

	if (cols && *cols) {
		char *end;

		w = strtol(cols, &end, 10);
		if (*end || w <= 0)
			w = 0;
	}
	if (!w && isatty(fd) && ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col)
		w = ws.ws_col;
	if (!w)
		w = 80;
	if (w < RENDER_MIN_WIDTH)
		w = RENDER_MIN_WIDTH;
	if (w > RENDER_MAX_WIDTH)
		w = RENDER_MAX_WIDTH;
	return (int)w;
}
