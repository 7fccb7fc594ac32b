/* The loops of the PDF reader that run once per page object, character, ruling or table cell, in C.
 *
 * Through ctypes each pdfium call costs ~3 000 instructions of argument conversion, several times
 * the call itself, and a 6-page report needs ~3 000 of them; the table layout (merging rulings,
 * clustering grid lines, placing characters, cell texts) touched every ruling, elementary cell and
 * character from Python.  pdfium is not linked: pypdfium2 already loaded it, and `configure` receives
 * the addresses of the few functions used (so this builds with a C compiler and Python's headers
 * alone).  The decisions (which objects are rulings, where tables are, which rows a page break split,
 * which header rows repeat) stay in Python (parsers/formats/pdf.py); the C functions here repeat
 * pdf.py's arithmetic and comparisons exactly, so that every cell stays as the Python code made it.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <math.h>

/* ---------------------------------------------------------------- positioned characters */

/* A piece of text with its box (top-down points) and the box's centre.  A C type rather than a Python
 * class with __slots__: the reader makes ~1 000 per report (most of them here, in text_chars), and
 * Python's __init__ cost more than the pdfium calls that place them.  Its objects hold no references
 * that could form a cycle (the text is a str), so they are not tracked by the garbage collector. */
typedef struct {
    PyObject_HEAD
    PyObject *text;
    double x0, top, x1, bottom, cx, cy;
} PositionedChar;

static PyTypeObject PositionedCharType;

static PyObject *positioned_char(PyObject *text, double x0, double top, double x1, double bottom) {
    PositionedChar *self = PyObject_New(PositionedChar, &PositionedCharType);
    if (!self)
        return NULL;
    Py_INCREF(text);
    self->text = text;
    self->x0 = x0;
    self->top = top;
    self->x1 = x1;
    self->bottom = bottom;
    self->cx = (x0 + x1) / 2;
    self->cy = (top + bottom) / 2;
    return (PyObject *)self;
}

static PyObject *positioned_char_new(PyTypeObject *type, PyObject *args, PyObject *kwargs) {
    static char *keywords[] = {"text", "x0", "top", "x1", "bottom", NULL};
    PyObject *text;
    double x0, top, x1, bottom;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "Udddd:PositionedChar", keywords, &text, &x0, &top, &x1, &bottom))
        return NULL;
    return positioned_char(text, x0, top, x1, bottom);
}

static void positioned_char_dealloc(PositionedChar *self) {
    Py_DECREF(self->text);
    PyObject_Free(self);
}

static PyMemberDef positioned_char_members[] = {
    {"text", T_OBJECT_EX, offsetof(PositionedChar, text), READONLY, NULL},
    {"x0", T_DOUBLE, offsetof(PositionedChar, x0), READONLY, NULL},
    {"top", T_DOUBLE, offsetof(PositionedChar, top), READONLY, NULL},
    {"x1", T_DOUBLE, offsetof(PositionedChar, x1), READONLY, NULL},
    {"bottom", T_DOUBLE, offsetof(PositionedChar, bottom), READONLY, NULL},
    {"cx", T_DOUBLE, offsetof(PositionedChar, cx), READONLY, "(x0 + x1) / 2"},
    {"cy", T_DOUBLE, offsetof(PositionedChar, cy), READONLY, "(top + bottom) / 2"},
    {NULL},
};

static PyTypeObject PositionedCharType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "parsers.formats._pdf_loops.PositionedChar",
    .tp_doc = "PositionedChar(text, x0, top, x1, bottom): a piece of text and its box, top-down points.",
    .tp_basicsize = sizeof(PositionedChar),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = positioned_char_new,
    .tp_dealloc = (destructor)positioned_char_dealloc,
    .tp_members = positioned_char_members,
};

typedef struct { float left, top, right, bottom; } RectF;

/* A horizontal (y0 == y1 up to snap) or vertical ruling, top-down points; read-only, like
 * PositionedChar, and made by the hundred per report. */
typedef struct {
    PyObject_HEAD
    double x0, y0, x1, y1;
} Ruling;

static PyTypeObject RulingType;

static PyObject *new_ruling(double x0, double y0, double x1, double y1) {
    Ruling *self = PyObject_New(Ruling, &RulingType);
    if (self) {
        self->x0 = x0;
        self->y0 = y0;
        self->x1 = x1;
        self->y1 = y1;
    }
    return (PyObject *)self;
}

static PyObject *ruling_new(PyTypeObject *type, PyObject *args, PyObject *kwargs) {
    static char *keywords[] = {"x0", "y0", "x1", "y1", NULL};
    double x0, y0, x1, y1;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "dddd:Ruling", keywords, &x0, &y0, &x1, &y1))
        return NULL;
    return new_ruling(x0, y0, x1, y1);
}

static PyObject *ruling_repr(Ruling *self) {
    PyObject *values[4] = {PyFloat_FromDouble(self->x0), PyFloat_FromDouble(self->y0), PyFloat_FromDouble(self->x1),
                           PyFloat_FromDouble(self->y1)};
    PyObject *repr = values[0] && values[1] && values[2] && values[3]
        ? PyUnicode_FromFormat("Ruling(x0=%R, y0=%R, x1=%R, y1=%R)", values[0], values[1], values[2], values[3])
        : NULL;
    for (int i = 0; i < 4; i++)
        Py_XDECREF(values[i]);
    return repr;
}

static PyMemberDef ruling_members[] = {
    {"x0", T_DOUBLE, offsetof(Ruling, x0), READONLY, NULL},
    {"y0", T_DOUBLE, offsetof(Ruling, y0), READONLY, NULL},
    {"x1", T_DOUBLE, offsetof(Ruling, x1), READONLY, NULL},
    {"y1", T_DOUBLE, offsetof(Ruling, y1), READONLY, NULL},
    {NULL},
};

static PyTypeObject RulingType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "parsers.formats._pdf_loops.Ruling",
    .tp_doc = "Ruling(x0, y0, x1, y1): a horizontal (y0 == y1 up to SNAP) or vertical ruling, top-down points.",
    .tp_basicsize = sizeof(Ruling),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = ruling_new,
    .tp_repr = (reprfunc)ruling_repr,
    .tp_members = ruling_members,
};

static void *(*get_object)(void *page, int index);
static int (*object_type)(void *object);
static int (*object_bounds)(void *object, float *left, float *bottom, float *right, float *top);
static int (*loose_char_box)(void *text_page, int index, RectF *rect);
static int (*is_generated)(void *text_page, int index);
static int (*get_text)(void *text_page, int start, int count, unsigned short *result);
static unsigned int (*get_unicode)(void *text_page, int index);
static unsigned long (*get_meta_text)(void *document, const char *tag, void *buffer, unsigned long length);

enum { IMAGE = 3, PATH = 2 };  /* FPDF_PAGEOBJ_IMAGE, FPDF_PAGEOBJ_PATH */

static PyObject *configure(PyObject *self, PyObject *args) {
    unsigned long long a, b, c, d, e, f, g, h;
    if (!PyArg_ParseTuple(args, "KKKKKKKK", &a, &b, &c, &d, &e, &f, &g, &h))
        return NULL;
    get_meta_text = (void *)(uintptr_t)h;
    get_text = (void *)(uintptr_t)f;
    get_unicode = (void *)(uintptr_t)g;
    get_object = (void *)(uintptr_t)a;
    object_type = (void *)(uintptr_t)b;
    object_bounds = (void *)(uintptr_t)c;
    loose_char_box = (void *)(uintptr_t)d;
    is_generated = (void *)(uintptr_t)e;
    Py_RETURN_NONE;
}

/* page_objects(page, count) -> [(type, object, bounds or None)] for the image and path objects
 * among the first `count`; bounds are (left, bottom, right, top) in PDF points. */
static PyObject *page_objects(PyObject *self, PyObject *args) {
    unsigned long long page;
    int count;
    if (!PyArg_ParseTuple(args, "Ki", &page, &count))
        return NULL;
    if (!get_object)
        return PyErr_Format(PyExc_RuntimeError, "configure() was not called");
    PyObject *out = PyList_New(0);
    if (!out)
        return NULL;
    for (int i = 0; i < count; i++) {
        void *object = get_object((void *)(uintptr_t)page, i);
        if (!object)
            continue;
        int kind = object_type(object);
        if (kind != IMAGE && kind != PATH)
            continue;
        float left, bottom, right, top;
        PyObject *item;
        if (object_bounds(object, &left, &bottom, &right, &top))
            item = Py_BuildValue("(iK(dddd))", kind, (unsigned long long)(uintptr_t)object,
                                 (double)left, (double)bottom, (double)right, (double)top);
        else if (kind == IMAGE)
            item = Py_BuildValue("(iKO)", kind, (unsigned long long)(uintptr_t)object, Py_None);
        else
            continue;
        if (!item || PyList_Append(out, item) < 0) {
            Py_XDECREF(item);
            Py_DECREF(out);
            return NULL;
        }
        Py_DECREF(item);
    }
    return out;
}

/* metadata(document, keys) -> {key: value}: pypdfium2's PdfDocument.get_metadata_dict() without a
 * ctypes buffer per key: FPDF_GetMetaText's UTF-16 without its terminator ("" for a missing key),
 * UnicodeDecodeError for a value that is no UTF-16. */
static PyObject *metadata(PyObject *self, PyObject *args) {
    unsigned long long handle;
    PyObject *keys;
    if (!PyArg_ParseTuple(args, "KO", &handle, &keys))
        return NULL;
    if (!get_meta_text)
        return PyErr_Format(PyExc_RuntimeError, "configure() was not called");
    PyObject *sequence = PySequence_Fast(keys, "metadata keys must be a sequence");
    PyObject *out = sequence ? PyDict_New() : NULL;
    for (Py_ssize_t k = 0; out && k < PySequence_Fast_GET_SIZE(sequence); k++) {
        PyObject *key = PySequence_Fast_GET_ITEM(sequence, k), *value = NULL;
        const char *tag = PyUnicode_AsUTF8(key);
        if (tag) {
            unsigned long size = get_meta_text((void *)(uintptr_t)handle, tag, NULL, 0);
            char *buffer = PyMem_Calloc((size_t)size + 1, 1);
            if (!buffer) {
                PyErr_NoMemory();
            } else {
                get_meta_text((void *)(uintptr_t)handle, tag, buffer, size);
                int little_endian = -1;
                value = PyUnicode_DecodeUTF16(buffer, size >= 2 ? (Py_ssize_t)size - 2 : 0, "strict", &little_endian);
                PyMem_Free(buffer);
            }
        }
        if (!value || PyDict_SetItem(out, key, value) < 0)
            Py_CLEAR(out);
        Py_XDECREF(value);
    }
    Py_XDECREF(sequence);
    return out;
}

/* page_text(text_page, count) -> the text of the first `count` characters, one str character per
 * pdfium character index: FPDFText_GetText's UTF-16, or, when that does not come out as `count`
 * characters (characters outside the BMP come as surrogate pairs and would shift the indices),
 * FPDFText_GetUnicode of each index (ValueError, as chr() raises it, for a code beyond U+10FFFF). */
static PyObject *page_text(PyObject *self, PyObject *args) {
    unsigned long long handle;
    int count;
    if (!PyArg_ParseTuple(args, "Ki", &handle, &count))
        return NULL;
    if (!get_text || !get_unicode)
        return PyErr_Format(PyExc_RuntimeError, "configure() was not called");
    if (count < 0)
        return PyErr_Format(PyExc_ValueError, "a negative number of characters");
    void *text_page = (void *)(uintptr_t)handle;
    unsigned short *buffer = PyMem_Calloc((size_t)count + 1, sizeof(unsigned short));
    if (!buffer)
        return PyErr_NoMemory();
    Py_ssize_t written = get_text(text_page, 0, count, buffer);
    Py_ssize_t n_bytes = written > 1 ? (written - 1) * 2 : 0;
    if (n_bytes > 2 * ((Py_ssize_t)count + 1))
        n_bytes = 2 * ((Py_ssize_t)count + 1);
    int little_endian = -1;
    PyObject *text = PyUnicode_DecodeUTF16((const char *)buffer, n_bytes, "surrogatepass", &little_endian);
    PyMem_Free(buffer);
    if (!text || PyUnicode_GET_LENGTH(text) == count)
        return text;
    Py_DECREF(text);
    Py_UCS4 *codes = PyMem_New(Py_UCS4, (size_t)count + 1);
    if (!codes)
        return PyErr_NoMemory();
    for (int i = 0; i < count; i++) {
        codes[i] = get_unicode(text_page, i);
        if (codes[i] > 0x10ffff) {
            PyMem_Free(codes);
            return PyErr_Format(PyExc_ValueError, "chr() arg not in range(0x110000)");
        }
    }
    text = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, codes, count);
    PyMem_Free(codes);
    return text;
}

/* text_length(chars) -> sum(len(c.text) for c in chars) for a list of PositionedChars. */
static PyObject *text_length(PyObject *self, PyObject *chars) {
    if (!PyList_Check(chars))
        return PyErr_Format(PyExc_TypeError, "text_length() needs a list of PositionedChars");
    Py_ssize_t total = 0;
    for (Py_ssize_t k = 0; k < PyList_GET_SIZE(chars); k++) {
        PyObject *item = PyList_GET_ITEM(chars, k);
        if (!Py_IS_TYPE(item, &PositionedCharType))
            return PyErr_Format(PyExc_TypeError, "text_length() needs a list of PositionedChars");
        total += PyUnicode_GET_LENGTH(((PositionedChar *)item)->text);
    }
    return PyLong_FromSsize_t(total);
}

/* The characters that end a run: controls, space, U+FFFE (pdfium's hyphen marker), no-break space. */
static int separates(Py_UCS4 ch) { return ch <= 0x20 || ch == 0xfffe || ch == 0xa0; }

/* Everything text_chars needs besides the current run. */
typedef struct {
    void *text_page;
    PyObject *text, *make, *out;
    double height, snap;
    Py_ssize_t n_rules;
    double *rule_x, *rule_top, *rule_bottom;  /* vertical rules, in order of x */
} Page;

/* A positioned piece of text: make(text[start:end], x0, top, x1, bottom), appended to the output. */
static int emit(Page *page, Py_ssize_t start, Py_ssize_t end, double x0, double top, double x1, double bottom) {
    PyObject *text = PyUnicode_Substring(page->text, start, end);
    if (!text)
        return -1;
    PyObject *item;
    if (page->make == (PyObject *)&PositionedCharType) {
        item = positioned_char(text, x0, top, x1, bottom);
        Py_DECREF(text);
    } else {
        item = PyObject_CallFunction(page->make, "Ndddd", text, x0, top, x1, bottom);
    }
    if (!item)
        return -1;
    int failed = PyList_Append(page->out, item);
    Py_DECREF(item);
    return failed;
}

static int per_char(Page *page, Py_ssize_t start, Py_ssize_t end) {
    for (Py_ssize_t i = start; i < end; i++) {
        RectF rect;
        if (loose_char_box(page->text_page, (int)i, &rect) &&
            emit(page, i, i + 1, rect.left, page->height - rect.top, rect.right, page->height - rect.bottom) < 0)
            return -1;
    }
    return 0;
}

/* Does a vertical rule run through (x0, x1) at height y?  (Not within `snap` of either end.) */
static int crosses_rule(Page *page, double x0, double x1, double y) {
    Py_ssize_t lo = 0, hi = page->n_rules;
    while (lo < hi) {  /* first rule right of x0 + snap (bisect_right) */
        Py_ssize_t mid = (lo + hi) / 2;
        if (x0 + page->snap < page->rule_x[mid])
            hi = mid;
        else
            lo = mid + 1;
    }
    for (Py_ssize_t i = lo; i < page->n_rules && page->rule_x[i] < x1 - page->snap; i++)
        if (page->rule_top[i] <= y && y <= page->rule_bottom[i])
            return 1;
    return 0;
}

/* A run boxed by its first and last character when it is one left-to-right stretch of a line that
 * no table rule crosses; otherwise character by character. */
static int add_run(Page *page, Py_ssize_t start, Py_ssize_t end) {
    RectF first, last;
    if (!loose_char_box(page->text_page, (int)start, &first))
        return per_char(page, start, end);
    double x0 = first.left, first_top = page->height - first.top, first_bottom = page->height - first.bottom;
    if (end - start == 1)
        return emit(page, start, end, x0, first_top, first.right, first_bottom);
    if (!loose_char_box(page->text_page, (int)(end - 1), &last))
        return per_char(page, start, end);
    double last_top = page->height - last.top, x1 = last.right;
    double top = last_top < first_top ? last_top : first_top;  /* as Python's min() and max() */
    double last_bottom = page->height - last.bottom;
    double bottom = last_bottom > first_bottom ? last_bottom : first_bottom;
    if (x1 < x0 || fabs(first_top - last_top) > (bottom - top) / 2 || crosses_rule(page, x0, x1, (top + bottom) / 2))
        return per_char(page, start, end);
    return emit(page, start, end, x0, top, x1, bottom);
}

static int read_floats(PyObject *sequence, Py_ssize_t n, double *out) {
    for (Py_ssize_t i = 0; i < n; i++) {
        out[i] = PyFloat_AsDouble(PyList_GET_ITEM(sequence, i));
        if (out[i] == -1.0 && PyErr_Occurred())
            return -1;
    }
    return 0;
}

/* text_chars(text_page, text, height, rule_x, rule_top, rule_bottom, snap, make) -> [make(...)]
 *
 * `text` is the page's text, one character per pdfium character index; `height` the page height
 * (boxes come out top-down: top = height - pdfium's top).  A run is a stretch of non-separating
 * characters and single spaces between them, cut at every space pdfium generated (a gap it judged
 * to be between words): one stretch of a line, boxed by pdfium's loose boxes of its first and last
 * character.  The rules are the page's vertical rules (lists of floats, in order of x). */
static PyObject *text_chars(PyObject *self, PyObject *args) {
    unsigned long long handle;
    Page page;
    PyObject *xs, *tops, *bottoms;
    if (!PyArg_ParseTuple(args, "KUdO!O!O!dO", &handle, &page.text, &page.height, &PyList_Type, &xs,
                          &PyList_Type, &tops, &PyList_Type, &bottoms, &page.snap, &page.make))
        return NULL;
    if (!loose_char_box)
        return PyErr_Format(PyExc_RuntimeError, "configure() was not called");
    page.text_page = (void *)(uintptr_t)handle;
    page.n_rules = PyList_GET_SIZE(xs);
    if (PyList_GET_SIZE(tops) != page.n_rules || PyList_GET_SIZE(bottoms) != page.n_rules)
        return PyErr_Format(PyExc_ValueError, "rule lists differ in length");
    page.rule_x = PyMem_New(double, 3 * page.n_rules + 1);
    if (!page.rule_x)
        return PyErr_NoMemory();
    page.rule_top = page.rule_x + page.n_rules;
    page.rule_bottom = page.rule_top + page.n_rules;
    page.out = NULL;
    if (read_floats(xs, page.n_rules, page.rule_x) < 0 || read_floats(tops, page.n_rules, page.rule_top) < 0 ||
        read_floats(bottoms, page.n_rules, page.rule_bottom) < 0 || !(page.out = PyList_New(0)))
        goto error;
    int kind = PyUnicode_KIND(page.text);
    const void *data = PyUnicode_DATA(page.text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(page.text);
    Py_ssize_t i = 0;
    while (i < n) {
        if (separates(PyUnicode_READ(kind, data, i))) {
            i++;
            continue;
        }
        Py_ssize_t start = i;
        while (i < n && !separates(PyUnicode_READ(kind, data, i)))
            i++;
        while (i + 1 < n && PyUnicode_READ(kind, data, i) == ' ' && !separates(PyUnicode_READ(kind, data, i + 1))) {
            if (is_generated(page.text_page, (int)i)) {
                if (add_run(&page, start, i) < 0)
                    goto error;
                start = i + 1;
            }
            i++;
            while (i < n && !separates(PyUnicode_READ(kind, data, i)))
                i++;
        }
        if (add_run(&page, start, i) < 0)
            goto error;
    }
    PyMem_Free(page.rule_x);
    return page.out;
error:
    PyMem_Free(page.rule_x);
    Py_XDECREF(page.out);
    return NULL;
}

/* ---------------------------------------------------------------- table cells */

static PyObject *name_x0, *name_y0, *name_x1, *name_y1, *name_cx, *name_cy;

static int attribute(PyObject *object, PyObject *name, double *out) {
    PyObject *value = PyObject_GetAttr(object, name);
    if (!value)
        return -1;
    *out = PyFloat_AsDouble(value);
    Py_DECREF(value);
    return (*out == -1.0 && PyErr_Occurred()) ? -1 : 0;
}

static double *float_list(PyObject *list, Py_ssize_t *n) {
    *n = PyList_GET_SIZE(list);
    double *out = PyMem_New(double, *n + 1);
    if (!out) {
        PyErr_NoMemory();
        return NULL;
    }
    if (read_floats(list, *n, out) < 0) {
        PyMem_Free(out);
        return NULL;
    }
    return out;
}

/* Python's bisect_right: the first index whose value is greater than x (comparisons as Python's). */
static Py_ssize_t bisect_right(const double *values, Py_ssize_t n, double x) {
    Py_ssize_t lo = 0, hi = n;
    while (lo < hi) {
        Py_ssize_t mid = (lo + hi) / 2;
        if (x < values[mid])
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* A ruling merged on its line: `position` across the line (y of a horizontal, x of a vertical), from
 * `start` to `end` along it. */
typedef struct {
    double position, start, end;
} Line;

/* A ruling as drawn, with its place in the input (sorts are stable, as Python's). */
typedef struct {
    double position, start, end;
    Py_ssize_t order;
} Piece;

static int by_position(const void *a, const void *b) {
    const Piece *p = a, *q = b;
    if (p->position != q->position)
        return p->position < q->position ? -1 : 1;
    return p->order < q->order ? -1 : (p->order > q->order);
}

static int by_extent(const void *a, const void *b) {
    const Piece *p = a, *q = b;
    if (p->start != q->start)
        return p->start < q->start ? -1 : 1;
    if (p->end != q->end)
        return p->end < q->end ? -1 : 1;
    return p->order < q->order ? -1 : (p->order > q->order);
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : (x > y);
}

/* A band of a table laid out alone: the horizontals with low - reach <= y0 <= high + reach, the
 * verticals with y1 > low + snap and y0 < high - snap cut to [low, high], the characters whose centre
 * has low < cy < high. */
typedef struct {
    int on;
    double low, high, reach;
} Window;

/* The rulings of a Python list (objects with x0, y0, x1, y1) in the window as pieces along their lines;
 * their number in *count. */
static Piece *read_pieces(PyObject *rulings, int horizontal, const Window *window, double snap, Py_ssize_t *count) {
    Py_ssize_t n = PyList_GET_SIZE(rulings);
    Piece *pieces = PyMem_New(Piece, n + 1);
    if (!pieces) {
        PyErr_NoMemory();
        return NULL;
    }
    *count = 0;
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *ruling = PyList_GET_ITEM(rulings, k);
        double x0, y0, x1, y1;
        if (Py_IS_TYPE(ruling, &RulingType)) {
            Ruling *r = (Ruling *)ruling;
            x0 = r->x0, y0 = r->y0, x1 = r->x1, y1 = r->y1;
        } else if (attribute(ruling, name_x0, &x0) < 0 || attribute(ruling, name_y0, &y0) < 0 ||
                   attribute(ruling, name_x1, &x1) < 0 || attribute(ruling, name_y1, &y1) < 0) {
            PyMem_Free(pieces);
            return NULL;
        }
        if (window->on && horizontal && !(window->low - window->reach <= y0 && y0 <= window->high + window->reach))
            continue;
        if (window->on && !horizontal) {
            if (!(y1 > window->low + snap && y0 < window->high - snap))
                continue;
            y0 = window->low > y0 ? window->low : y0;  /* as Python's max(y0, low), min(y1, high) */
            y1 = window->high < y1 ? window->high : y1;
        }
        pieces[(*count)++] = horizontal ? (Piece){(y0 + y1) / 2, x0, x1, k} : (Piece){(x0 + x1) / 2, y0, y1, k};
    }
    return pieces;
}

/* pdf.py's _merge_collinear: pieces whose positions are within snap of their neighbour's lie on one
 * line (at the mean of their positions); pieces on a line that touch or overlap (within snap) are
 * joined.  Writes at most n lines, in order of position, then start; returns their number. */
static Py_ssize_t merge_pieces(Piece *pieces, Py_ssize_t n, double snap, Line *out) {
    qsort(pieces, (size_t)n, sizeof(Piece), by_position);
    Py_ssize_t count = 0;
    for (Py_ssize_t first = 0; first < n;) {
        Py_ssize_t stop = first + 1;
        while (stop < n && !(pieces[stop].position - pieces[stop - 1].position > snap))
            stop++;
        if (stop - first == 1) {
            out[count++] = (Line){pieces[first].position, pieces[first].start, pieces[first].end};
            first = stop;
            continue;
        }
        double sum = 0.0;
        for (Py_ssize_t k = first; k < stop; k++)
            sum += pieces[k].position;
        double position = sum / (double)(stop - first);
        qsort(pieces + first, (size_t)(stop - first), sizeof(Piece), by_extent);
        double start = pieces[first].start, end = pieces[first].end;
        for (Py_ssize_t k = first + 1; k <= stop; k++) {  /* k == stop: an end mark at infinity */
            double a = k < stop ? pieces[k].start : INFINITY, b = k < stop ? pieces[k].end : INFINITY;
            if (a <= end + snap) {
                if (b > end)
                    end = b;
                continue;
            }
            out[count++] = (Line){position, start, end};
            start = a;
            end = b;
        }
        first = stop;
    }
    return count;
}

/* The horizontal (or vertical) rulings among `segments` (Ruling objects), merged on their lines:
 * horizontal ones are at most snap high and more than snap long, vertical ones the other way round. */
static Line *merged_lines(PyObject *segments, int horizontal, double snap, Py_ssize_t *count) {
    Py_ssize_t n = 0;
    Piece *pieces = PyMem_New(Piece, PyList_GET_SIZE(segments) + 1);
    Line *lines = PyMem_New(Line, PyList_GET_SIZE(segments) + 1);
    if (!pieces || !lines) {
        PyMem_Free(pieces);
        PyMem_Free(lines);
        PyErr_NoMemory();
        return NULL;
    }
    for (Py_ssize_t k = 0; k < PyList_GET_SIZE(segments); k++) {
        PyObject *item = PyList_GET_ITEM(segments, k);
        if (!Py_IS_TYPE(item, &RulingType)) {
            PyMem_Free(pieces);
            PyMem_Free(lines);
            PyErr_SetString(PyExc_TypeError, "segments must be Ruling objects");
            return NULL;
        }
        Ruling *r = (Ruling *)item;
        double width = r->x1 - r->x0, height = r->y1 - r->y0;
        if (horizontal && height <= snap && width > snap)
            pieces[n++] = (Piece){(r->y0 + r->y1) / 2, r->x0, r->x1, k};
        else if (!horizontal && width <= snap && height > snap)
            pieces[n++] = (Piece){(r->x0 + r->x1) / 2, r->y0, r->y1, k};
    }
    *count = merge_pieces(pieces, n, snap, lines);
    PyMem_Free(pieces);
    return lines;
}

static PyObject *as_rulings(const Line *lines, Py_ssize_t n, int horizontal) {
    PyObject *out = PyList_New(n);
    for (Py_ssize_t k = 0; out && k < n; k++) {
        const Line *l = &lines[k];
        PyObject *ruling = horizontal ? new_ruling(l->start, l->position, l->end, l->position)
                                      : new_ruling(l->position, l->start, l->position, l->end);
        if (!ruling)
            Py_CLEAR(out);
        else
            PyList_SET_ITEM(out, k, ruling);
    }
    return out;
}

/* merge_rulings(segments, horizontal, snap) -> the horizontal (or vertical) rulings among segments,
 * merged on their lines (pdf.py's rule: merge_pieces), in order of position, then start. */
static PyObject *merge_rulings(PyObject *self, PyObject *args) {
    PyObject *segments;
    int horizontal;
    double snap;
    if (!PyArg_ParseTuple(args, "O!pd", &PyList_Type, &segments, &horizontal, &snap))
        return NULL;
    Py_ssize_t n;
    Line *lines = merged_lines(segments, horizontal, snap, &n);
    if (!lines)
        return NULL;
    PyObject *out = as_rulings(lines, n, horizontal);
    PyMem_Free(lines);
    return out;
}

/* Python's bisect_left: the first index whose value is not less than x. */
static Py_ssize_t bisect_left(const double *values, Py_ssize_t n, double x) {
    Py_ssize_t lo = 0, hi = n;
    while (lo < hi) {
        Py_ssize_t mid = (lo + hi) / 2;
        if (values[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static Py_ssize_t bisect_right(const double *values, Py_ssize_t n, double x);
static Py_ssize_t find(Py_ssize_t *parent, Py_ssize_t i);

typedef struct {
    double top, bottom, left, right;
    Py_ssize_t n_horizontals, n_verticals, first;  /* first: index of its first ruling, for a stable sort */
} Group;

static int by_top(const void *a, const void *b) {
    const Group *p = a, *q = b;
    if (p->top != q->top)
        return p->top < q->top ? -1 : 1;
    return p->first < q->first ? -1 : (p->first > q->first);
}

/* find_tables(segments, chars, snap) -> ([(top, bottom, left, right, horizontals, verticals, chars)], free)
 *
 * The page's rulings (Ruling objects) merged on their lines and grouped into tables, in order of top: a
 * horizontal and a vertical that touch (within snap) belong to one table; groups with fewer than two
 * of either are no tables.  horizontals and verticals are a table's merged rulings, in order of
 * position; its chars the PositionedChars whose centre is within 1 point of its bounds (the first such
 * table's), and `free` the others (`chars` itself when the page has no table). */
static PyObject *find_tables(PyObject *self, PyObject *args) {
    PyObject *segments, *chars;
    double snap;
    if (!PyArg_ParseTuple(args, "O!O!d", &PyList_Type, &segments, &PyList_Type, &chars, &snap))
        return NULL;
    PyObject *out = NULL, *free_chars = NULL, *result = NULL;
    Py_ssize_t nh = 0, nv = 0, *parent = NULL, *group_of = NULL;
    double *xs = NULL;
    Group *groups = NULL;
    Line *verticals = NULL, *horizontals = merged_lines(segments, 1, snap, &nh);
    if (!horizontals || !(verticals = merged_lines(segments, 0, snap, &nv)))
        goto done;
    if (nh < 2 || nv < 2) {
        result = Py_BuildValue("([]O)", chars);
        goto done;
    }
    Py_ssize_t n = nh + nv;
    parent = PyMem_New(Py_ssize_t, n);
    group_of = PyMem_New(Py_ssize_t, n);
    xs = PyMem_New(double, nv);
    groups = PyMem_New(Group, n);
    if (!parent || !group_of || !xs || !groups) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++)
        parent[i] = i;
    for (Py_ssize_t v = 0; v < nv; v++)
        xs[v] = verticals[v].position;
    for (Py_ssize_t h = 0; h < nh; h++) {
        double y = horizontals[h].position;
        Py_ssize_t root = find(parent, h);
        Py_ssize_t stop = bisect_right(xs, nv, horizontals[h].end + snap);
        for (Py_ssize_t v = bisect_left(xs, nv, horizontals[h].start - snap); v < stop; v++) {
            if (verticals[v].start - snap <= y && y <= verticals[v].end + snap) {
                Py_ssize_t other = find(parent, nh + v);
                if (other != root)
                    parent[other] = root;
            }
        }
    }
    /* groups in order of their first ruling (horizontals, then verticals), with their bounds */
    Py_ssize_t n_groups = 0;
    for (Py_ssize_t i = 0; i < n; i++)
        group_of[i] = -1;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_ssize_t root = find(parent, i);
        const Line *l = i < nh ? &horizontals[i] : &verticals[i - nh];
        double x0 = i < nh ? l->start : l->position, x1 = i < nh ? l->end : l->position;
        double y0 = i < nh ? l->position : l->start, y1 = i < nh ? l->position : l->end;
        if (group_of[root] < 0) {
            group_of[root] = n_groups;
            groups[n_groups++] = (Group){y0, y1, x0, x1, 0, 0, i};
        }
        Group *g = &groups[group_of[root]];
        if (y0 < g->top)
            g->top = y0;
        if (y1 > g->bottom)
            g->bottom = y1;
        if (x0 < g->left)
            g->left = x0;
        if (x1 > g->right)
            g->right = x1;
        if (i < nh)
            g->n_horizontals++;
        else
            g->n_verticals++;
    }
    Py_ssize_t n_tables = 0;
    for (Py_ssize_t g = 0; g < n_groups; g++)
        if (groups[g].n_horizontals >= 2 && groups[g].n_verticals >= 2)
            groups[n_tables++] = groups[g];
    qsort(groups, (size_t)n_tables, sizeof(Group), by_top);
    if (!(out = PyList_New(n_tables)))
        goto done;
    for (Py_ssize_t t = 0; t < n_tables; t++) {
        Group *g = &groups[t];
        Py_ssize_t root = find(parent, g->first);
        PyObject *hs = PyList_New(0), *vs = PyList_New(0), *part = NULL;
        for (Py_ssize_t i = 0; hs && vs && i < n; i++) {
            if (find(parent, i) != root)
                continue;
            const Line *l = i < nh ? &horizontals[i] : &verticals[i - nh];
            PyObject *ruling = i < nh ? new_ruling(l->start, l->position, l->end, l->position)
                                      : new_ruling(l->position, l->start, l->position, l->end);
            if (!ruling || PyList_Append(i < nh ? hs : vs, ruling) < 0) {
                Py_XDECREF(ruling);
                Py_CLEAR(hs);
                break;
            }
            Py_DECREF(ruling);
        }
        PyObject *cs = hs && vs ? PyList_New(0) : NULL;
        if (cs)
            part = Py_BuildValue("(ddddOOO)", g->top, g->bottom, g->left, g->right, hs, vs, cs);
        Py_XDECREF(hs);
        Py_XDECREF(vs);
        Py_XDECREF(cs);
        if (!part)
            goto done;
        PyList_SET_ITEM(out, t, part);
    }
    if (!(free_chars = PyList_New(0)))
        goto done;
    for (Py_ssize_t k = 0; k < PyList_GET_SIZE(chars); k++) {
        PyObject *item = PyList_GET_ITEM(chars, k), *into = free_chars;
        if (!Py_IS_TYPE(item, &PositionedCharType)) {
            PyErr_SetString(PyExc_TypeError, "chars must be PositionedChar objects");
            goto done;
        }
        double cx = ((PositionedChar *)item)->cx, cy = ((PositionedChar *)item)->cy;
        for (Py_ssize_t t = 0; t < n_tables; t++) {
            Group *g = &groups[t];
            if (g->left - 1 <= cx && cx <= g->right + 1 && g->top - 1 <= cy && cy <= g->bottom + 1) {
                into = PyTuple_GET_ITEM(PyList_GET_ITEM(out, t), 6);
                break;
            }
        }
        if (PyList_Append(into, item) < 0)
            goto done;
    }
    result = PyTuple_Pack(2, out, free_chars);
done:
    Py_XDECREF(out);
    Py_XDECREF(free_chars);
    PyMem_Free(horizontals);
    PyMem_Free(verticals);
    PyMem_Free(parent);
    PyMem_Free(group_of);
    PyMem_Free(xs);
    PyMem_Free(groups);
    return result;
}

/* pdf.py's _cluster: the values sorted (in place), each run of values within snap of the previous one
 * replaced by its mean.  Returns the number written to out. */
static Py_ssize_t cluster(double *values, Py_ssize_t n, double snap, double *out) {
    qsort(values, (size_t)n, sizeof(double), by_value);
    Py_ssize_t count = 0, first = 0;
    for (Py_ssize_t k = 1; k <= n; k++) {
        if (k < n && !(values[k] - values[k - 1] > snap))
            continue;
        if (k > first) {
            double sum = 0.0;
            for (Py_ssize_t i = first; i < k; i++)
                sum += values[i];
            out[count++] = sum / (double)(k - first);
        }
        first = k;
    }
    return count;
}

/* covered[line * n_mids + i]: a ruling lying on `lines[line]` (its position within snap) reaches
 * mids[i] (within snap). */
static void coverage(const Line *rulings, Py_ssize_t n_rulings, const double *lines, Py_ssize_t n_lines,
                     const double *mids, Py_ssize_t n_mids, double snap, char *covered) {
    memset(covered, 0, (size_t)(n_lines * n_mids));
    for (Py_ssize_t k = 0; k < n_rulings; k++) {
        const Line *ruling = &rulings[k];
        for (Py_ssize_t line = 0; line < n_lines; line++) {
            if (!(fabs(ruling->position - lines[line]) <= snap))
                continue;
            for (Py_ssize_t i = 0; i < n_mids; i++)
                if (ruling->start - snap <= mids[i] && mids[i] <= ruling->end + snap)
                    covered[line * n_mids + i] = 1;
        }
    }
}

static Py_ssize_t find(Py_ssize_t *parent, Py_ssize_t i) {
    while (parent[i] != i) {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    return i;
}

/* The root is always the region's first (top-left) elementary cell. */
static void unite(Py_ssize_t *parent, Py_ssize_t i, Py_ssize_t j) {
    Py_ssize_t a = find(parent, i), b = find(parent, j);
    if (a != b) {
        if (a < b)
            parent[b] = a;
        else
            parent[a] = b;
    }
}

/* Every cell's root; parents are never after their children. */
static void all_roots(const Py_ssize_t *parent, Py_ssize_t *roots, Py_ssize_t n) {
    for (Py_ssize_t i = 0; i < n; i++)
        roots[i] = parent[i] == i ? i : roots[parent[i]];
}

static Py_ssize_t rows_spanned(const Py_ssize_t *roots, Py_ssize_t n_cells, Py_ssize_t root, Py_ssize_t n_cols) {
    Py_ssize_t rows = 0;
    for (Py_ssize_t i = root; i < n_cells; i += n_cols)
        rows += roots[i] == root;
    return rows;
}

/* lay_out(horizontals, verticals, chars, collapse, joins, snap) -> (xs, ys, roots, region_chars) or None
 *
 * A ruled table's merged cells and the characters in each (pdf.py's _lay_out_cells).  The rulings
 * (objects with x0, y0, x1, y1) are merged on their lines (merge_pieces); the grid lines are the
 * clustered positions of the verticals (xs, columns) and horizontals (ys, rows) but the ys within snap
 * of a `collapse` line, with the ends of the other rulings as the outer lines where a side has no
 * rule ("open" tables).  The elementary cells between them are joined into merged cells where no
 * ruling separates two neighbours; `chars` (character, page, original) tuples go to the cell holding
 * the centre (cx, cy) of their first item.  At each of the `joins` (page breaks), a filled merged cell
 * whose continuation below the break is empty is joined with it when either spans several rows.
 * `roots[i]` is the root (top-left) elementary cell of cell i; `region_chars` maps a root to the
 * characters of its merged cell, cell by cell in the order the cells were first filled.  None when
 * there are not two grid lines each way.  Given (low, high, reach) after snap, only the band between
 * the lines low and high is laid out (see Window): a table's header rows, the rows around a page break. */
static PyObject *lay_out(PyObject *self, PyObject *args) {
    PyObject *horizontals_list, *verticals_list, *chars, *collapse_list, *joins_list;
    double snap;
    Window window = {0, 0, 0, 0};
    if (!PyArg_ParseTuple(args, "O!O!O!O!O!d|ddd", &PyList_Type, &horizontals_list, &PyList_Type, &verticals_list,
                          &PyList_Type, &chars, &PyList_Type, &collapse_list, &PyList_Type, &joins_list, &snap,
                          &window.low, &window.high, &window.reach))
        return NULL;
    window.on = PyTuple_GET_SIZE(args) > 6;
    PyObject *result = NULL, *roots_list = NULL, *regions = NULL, *xs_list = NULL, *ys_list = NULL;
    PyObject **cell_lists = NULL;
    Py_ssize_t *parent = NULL, *roots = NULL, *filled_order = NULL;
    char *ruled = NULL, *across = NULL, *filled = NULL;
    double *row_mids = NULL, *col_mids = NULL, *joins = NULL, *collapse = NULL, *values = NULL;
    double *xs_memory = NULL, *ys_memory = NULL, *xs, *ys;  /* xs and ys start one in: room for an outer line */
    Line *horizontals = NULL, *verticals = NULL;
    Py_ssize_t n_xs = 0, n_ys = 0, n_joins, n_collapse, n_filled = 0, n_cells = 0;
    Py_ssize_t n_horizontals, n_verticals = PyList_GET_SIZE(verticals_list);
    Piece *pieces = read_pieces(horizontals_list, 1, &window, snap, &n_horizontals);
    if (!pieces)
        goto done;
    horizontals = PyMem_New(Line, n_horizontals + 1);
    ys_memory = PyMem_New(double, n_horizontals + 3);
    values = PyMem_New(double, 2 * (n_horizontals > n_verticals ? n_horizontals : n_verticals) + 1);
    if (!horizontals || !ys_memory || !values) {
        PyErr_NoMemory();
        goto done;
    }
    n_horizontals = merge_pieces(pieces, n_horizontals, snap, horizontals);
    PyMem_Free(pieces);
    pieces = NULL;
    if (!(pieces = read_pieces(verticals_list, 0, &window, snap, &n_verticals)))
        goto done;
    verticals = PyMem_New(Line, n_verticals + 1);
    xs_memory = PyMem_New(double, n_verticals + 3);
    if (!verticals || !xs_memory) {
        PyErr_NoMemory();
        goto done;
    }
    n_verticals = merge_pieces(pieces, n_verticals, snap, verticals);
    if (!(joins = float_list(joins_list, &n_joins)) || !(collapse = float_list(collapse_list, &n_collapse)))
        goto done;

    xs = xs_memory + 1;
    ys = ys_memory + 1;
    for (Py_ssize_t k = 0; k < n_verticals; k++)
        values[k] = verticals[k].position;
    n_xs = cluster(values, n_verticals, snap, xs);
    for (Py_ssize_t k = 0; k < n_horizontals; k++)
        values[k] = horizontals[k].position;
    Py_ssize_t n_clustered = cluster(values, n_horizontals, snap, values + n_horizontals);
    for (Py_ssize_t k = 0; k < n_clustered; k++) {
        double y = values[n_horizontals + k];
        int kept = 1;
        for (Py_ssize_t j = 0; j < n_collapse && kept; j++)
            kept = fabs(y - collapse[j]) > snap;
        if (kept)
            ys[n_ys++] = y;
    }
    if (n_xs && n_ys) {
        double left = horizontals[0].start, right = horizontals[0].end;
        for (Py_ssize_t k = 1; k < n_horizontals; k++) {
            if (horizontals[k].start < left)
                left = horizontals[k].start;
            if (horizontals[k].end > right)
                right = horizontals[k].end;
        }
        double top = verticals[0].start, bottom = verticals[0].end;
        for (Py_ssize_t k = 1; k < n_verticals; k++) {
            if (verticals[k].start < top)
                top = verticals[k].start;
            if (verticals[k].end > bottom)
                bottom = verticals[k].end;
        }
        if (right > xs[n_xs - 1] + snap * 2)
            xs[n_xs++] = right;
        if (left < xs[0] - snap * 2)
            *--xs = left, n_xs++;
        if (bottom > ys[n_ys - 1] + snap * 2)
            ys[n_ys++] = bottom;
        if (top < ys[0] - snap * 2)
            *--ys = top, n_ys++;
    }
    Py_ssize_t n_rows = n_ys - 1, n_cols = n_xs - 1;
    if (n_rows < 1 || n_cols < 1) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    n_cells = n_rows * n_cols;
    row_mids = PyMem_New(double, n_rows);
    col_mids = PyMem_New(double, n_cols);
    ruled = PyMem_Malloc((size_t)(n_xs * n_rows));
    across = PyMem_Malloc((size_t)(n_ys * n_cols));
    parent = PyMem_New(Py_ssize_t, n_cells);
    roots = PyMem_New(Py_ssize_t, n_cells);
    filled_order = PyMem_New(Py_ssize_t, n_cells);
    filled = PyMem_Malloc((size_t)n_cells);
    cell_lists = PyMem_Calloc((size_t)n_cells, sizeof(PyObject *));
    if (!row_mids || !col_mids || !ruled || !across || !parent || !roots || !filled_order || !filled || !cell_lists) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t r = 0; r < n_rows; r++)
        row_mids[r] = (ys[r] + ys[r + 1]) / 2;
    for (Py_ssize_t c = 0; c < n_cols; c++)
        col_mids[c] = (xs[c] + xs[c + 1]) / 2;
    /* ruled[c * n_rows + r]: a vertical rule at xs[c] crosses row r; across[r * n_cols + c]: a
     * horizontal rule at ys[r] spans column c. */
    coverage(verticals, n_verticals, xs, n_xs, row_mids, n_rows, snap, ruled);
    coverage(horizontals, n_horizontals, ys, n_ys, col_mids, n_cols, snap, across);
    for (Py_ssize_t i = 0; i < n_cells; i++)
        parent[i] = i;
    for (Py_ssize_t c = 1; c < n_cols; c++)
        for (Py_ssize_t r = 0; r < n_rows; r++)
            if (!ruled[c * n_rows + r])
                unite(parent, r * n_cols + c - 1, r * n_cols + c);
    for (Py_ssize_t r = 1; r < n_rows; r++)
        for (Py_ssize_t c = 0; c < n_cols; c++)
            if (!across[r * n_cols + c])
                unite(parent, (r - 1) * n_cols + c, r * n_cols + c);

    for (Py_ssize_t k = 0; k < PyList_GET_SIZE(chars); k++) {
        PyObject *member = PyList_GET_ITEM(chars, k);
        double cx, cy;
        if (!PyTuple_Check(member) || PyTuple_GET_SIZE(member) < 1) {
            PyErr_SetString(PyExc_TypeError, "chars must be (character, page, original) tuples");
            goto done;
        }
        PyObject *char_object = PyTuple_GET_ITEM(member, 0);
        if (Py_IS_TYPE(char_object, &PositionedCharType)) {
            cx = ((PositionedChar *)char_object)->cx;
            cy = ((PositionedChar *)char_object)->cy;
        } else if (attribute(char_object, name_cy, &cy) < 0 || attribute(char_object, name_cx, &cx) < 0) {
            goto done;
        }
        if (window.on && !(window.low < cy && cy < window.high))
            continue;
        Py_ssize_t r = bisect_right(ys, n_ys, cy) - 1, c = bisect_right(xs, n_xs, cx) - 1;
        if (r < 0 || r >= n_rows || c < 0 || c >= n_cols)
            continue;
        Py_ssize_t cell = r * n_cols + c;
        if (!cell_lists[cell]) {
            if (!(cell_lists[cell] = PyList_New(0)))
                goto done;
            filled_order[n_filled++] = cell;
        }
        if (PyList_Append(cell_lists[cell], member) < 0)
            goto done;
    }

    for (Py_ssize_t j = 0; j < n_joins; j++) {
        Py_ssize_t jr = -1;
        for (Py_ssize_t i = 0; i < n_ys && jr < 0; i++)
            if (fabs(ys[i] - joins[j]) <= snap)
                jr = i;
        if (jr <= 0 || jr >= n_ys - 1)
            continue;
        all_roots(parent, roots, n_cells);
        memset(filled, 0, (size_t)n_cells);
        for (Py_ssize_t k = 0; k < n_filled; k++)
            filled[roots[filled_order[k]]] = 1;
        for (Py_ssize_t c = 0; c < n_cols; c++) {
            Py_ssize_t upper = roots[(jr - 1) * n_cols + c], lower = roots[jr * n_cols + c];
            if (upper != lower && filled[upper] && !filled[lower] &&
                (rows_spanned(roots, n_cells, upper, n_cols) > 1 || rows_spanned(roots, n_cells, lower, n_cols) > 1))
                unite(parent, upper, lower);
        }
    }

    all_roots(parent, roots, n_cells);
    if (!(roots_list = PyList_New(n_cells)) || !(regions = PyDict_New()))
        goto done;
    for (Py_ssize_t i = 0; i < n_cells; i++) {
        PyObject *root = PyLong_FromSsize_t(roots[i]);
        if (!root)
            goto done;
        PyList_SET_ITEM(roots_list, i, root);
    }
    for (Py_ssize_t k = 0; k < n_filled; k++) {
        Py_ssize_t cell = filled_order[k];
        PyObject *root = PyList_GET_ITEM(roots_list, roots[cell]);
        PyObject *members = PyDict_GetItemWithError(regions, root);
        if (members) {
            Py_ssize_t end = PyList_GET_SIZE(members);
            if (PyList_SetSlice(members, end, end, cell_lists[cell]) < 0)
                goto done;
        } else if (PyErr_Occurred() || PyDict_SetItem(regions, root, cell_lists[cell]) < 0) {
            goto done;
        }
    }
    if (!(xs_list = PyList_New(n_xs)) || !(ys_list = PyList_New(n_ys)))
        goto done;
    for (Py_ssize_t i = 0; i < n_xs + n_ys; i++) {
        PyObject *value = PyFloat_FromDouble(i < n_xs ? xs[i] : ys[i - n_xs]);
        if (!value)
            goto done;
        PyList_SET_ITEM(i < n_xs ? xs_list : ys_list, i < n_xs ? i : i - n_xs, value);
    }
    result = PyTuple_Pack(4, xs_list, ys_list, roots_list, regions);
done:
    if (cell_lists)
        for (Py_ssize_t i = 0; i < n_cells; i++)
            Py_XDECREF(cell_lists[i]);
    Py_XDECREF(roots_list);
    Py_XDECREF(regions);
    PyMem_Free(cell_lists);
    PyMem_Free(parent);
    PyMem_Free(roots);
    PyMem_Free(filled_order);
    PyMem_Free(filled);
    PyMem_Free(ruled);
    PyMem_Free(across);
    PyMem_Free(row_mids);
    PyMem_Free(col_mids);
    PyMem_Free(joins);
    PyMem_Free(collapse);
    PyMem_Free(values);
    PyMem_Free(pieces);
    PyMem_Free(horizontals);
    PyMem_Free(verticals);
    PyMem_Free(ys_memory);
    PyMem_Free(xs_memory);
    Py_XDECREF(xs_list);
    Py_XDECREF(ys_list);
    return result;
}

/* ---------------------------------------------------------------- stacking table parts */

/* members(chars, page, dx, shift) -> [(character, page, original)]: each PositionedChar moved by (dx,
 * shift) onto the virtual surface of a table stacked over several pages (the original itself when
 * neither is non-zero), with its page and the original. */
static PyObject *members(PyObject *self, PyObject *args) {
    PyObject *chars, *page;
    double dx, shift;
    if (!PyArg_ParseTuple(args, "O!Odd", &PyList_Type, &chars, &page, &dx, &shift))
        return NULL;
    int moved = dx != 0 || shift != 0;
    PyObject *out = PyList_New(PyList_GET_SIZE(chars));
    for (Py_ssize_t k = 0; out && k < PyList_GET_SIZE(chars); k++) {
        PyObject *item = PyList_GET_ITEM(chars, k), *placed, *member = NULL;
        if (!Py_IS_TYPE(item, &PositionedCharType)) {
            PyErr_SetString(PyExc_TypeError, "chars must be PositionedChar objects");
            Py_CLEAR(out);
            break;
        }
        PositionedChar *c = (PositionedChar *)item;
        placed = moved ? positioned_char(c->text, c->x0 + dx, c->top + shift, c->x1 + dx, c->bottom + shift)
                       : Py_NewRef(item);
        if (placed)
            member = PyTuple_Pack(3, placed, page, item);
        Py_XDECREF(placed);
        if (!member)
            Py_CLEAR(out);
        else
            PyList_SET_ITEM(out, k, member);
    }
    return out;
}

/* shifted(rulings, dx, shift) -> the Ruling objects moved by (dx, shift). */
static PyObject *shifted(PyObject *self, PyObject *args) {
    PyObject *rulings;
    double dx, shift;
    if (!PyArg_ParseTuple(args, "O!dd", &PyList_Type, &rulings, &dx, &shift))
        return NULL;
    PyObject *out = PyList_New(PyList_GET_SIZE(rulings));
    for (Py_ssize_t k = 0; out && k < PyList_GET_SIZE(rulings); k++) {
        PyObject *item = PyList_GET_ITEM(rulings, k), *moved = NULL;
        if (Py_IS_TYPE(item, &RulingType)) {
            Ruling *r = (Ruling *)item;
            moved = new_ruling(r->x0 + dx, r->y0 + shift, r->x1 + dx, r->y1 + shift);
        } else {
            PyErr_SetString(PyExc_TypeError, "rulings must be Ruling objects");
        }
        if (!moved)
            Py_CLEAR(out);
        else
            PyList_SET_ITEM(out, k, moved);
    }
    return out;
}

/* cluster(values, snap) -> pdf.py's grid lines: the values sorted, each run within snap of the
 * previous value replaced by its mean (see cluster above). */
static PyObject *cluster_values(PyObject *self, PyObject *args) {
    PyObject *list;
    double snap;
    if (!PyArg_ParseTuple(args, "O!d", &PyList_Type, &list, &snap))
        return NULL;
    Py_ssize_t n;
    double *values = float_list(list, &n), *out = values ? PyMem_New(double, n + 1) : NULL;
    PyObject *result = NULL;
    if (values && !out)
        PyErr_NoMemory();
    if (out) {
        Py_ssize_t count = cluster(values, n, snap, out);
        result = PyList_New(count);
        for (Py_ssize_t k = 0; result && k < count; k++) {
            PyObject *value = PyFloat_FromDouble(out[k]);
            if (!value)
                Py_CLEAR(result);
            else
                PyList_SET_ITEM(result, k, value);
        }
    }
    PyMem_Free(values);
    PyMem_Free(out);
    return result;
}

/* ---------------------------------------------------------------- cell texts and sources */

/* A character of a cell, with its sort keys; `order` keeps sorts stable (as Python's). */
typedef struct {
    PositionedChar *ch;
    double first, second;
    Py_ssize_t order;
} Keyed;

static int by_keys(const void *a, const void *b) {
    const Keyed *p = a, *q = b;
    if (p->first != q->first)
        return p->first < q->first ? -1 : 1;
    if (p->second != q->second)
        return p->second < q->second ? -1 : 1;
    return p->order < q->order ? -1 : (p->order > q->order);
}

/* Python's re class [\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f] (pdf.py's _CJK). */
static int is_cjk(Py_UCS4 ch) {
    return (ch >= 0x2e80 && ch <= 0x9fff) || (ch >= 0xf900 && ch <= 0xfaff) || (ch >= 0xff00 && ch <= 0xffef);
}

static Py_ssize_t append_text(Py_UCS4 *buffer, Py_ssize_t at, PyObject *text) {
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    for (Py_ssize_t i = 0; i < n; i++)
        buffer[at++] = PyUnicode_READ(kind, data, i);
    return at;
}

/* " ".join(raw.split()) of raw[0:n], appended to out at `at`; returns the new end. */
static Py_ssize_t append_collapsed(Py_UCS4 *out, Py_ssize_t at, const Py_UCS4 *raw, Py_ssize_t n) {
    Py_ssize_t start = at;
    for (Py_ssize_t i = 0; i < n;) {
        while (i < n && Py_UNICODE_ISSPACE(raw[i]))
            i++;
        if (i == n)
            break;
        if (at > start)
            out[at++] = ' ';
        while (i < n && !Py_UNICODE_ISSPACE(raw[i]))
            out[at++] = raw[i++];
    }
    return at;
}

static PositionedChar *member_char(PyObject *member, Py_ssize_t item) {
    if (!PyTuple_Check(member) || PyTuple_GET_SIZE(member) < 3 ||
        !Py_IS_TYPE(PyTuple_GET_ITEM(member, item), &PositionedCharType)) {
        PyErr_SetString(PyExc_TypeError, "cell members must be (PositionedChar, page, PositionedChar) tuples");
        return NULL;
    }
    return (PositionedChar *)PyTuple_GET_ITEM(member, item);
}

/* The text of a merged cell from its members (character, page, original), as pdf.py's line grouping
 * does it: the characters in order of (cy, x0) form lines (a character whose centre is within 0.45 of
 * the line's height below the line's middle joins it); within a line, pieces go left to right with a
 * space where the gap is wider than 0.8 of the line's height; whitespace collapsed; wrapped lines
 * joined with nothing between CJK characters, else with a space. */
static PyObject *merged_cell_text(PyObject *members) {
    Py_ssize_t n = PyList_GET_SIZE(members), capacity = 2;
    if (n == 0)
        return PyUnicode_New(0, 0);
    for (Py_ssize_t k = 0; k < n; k++) {
        PositionedChar *ch = member_char(PyList_GET_ITEM(members, k), 0);
        if (!ch)
            return NULL;
        if (!PyUnicode_Check(ch->text))
            return PyErr_Format(PyExc_TypeError, "a character's text must be a str");
        capacity += PyUnicode_GET_LENGTH(ch->text) + 2;
    }
    PyObject *result = NULL;
    Keyed *keyed = PyMem_New(Keyed, n);
    Py_UCS4 *raw = PyMem_New(Py_UCS4, capacity), *out = PyMem_New(Py_UCS4, capacity);
    if (!keyed || !raw || !out) {
        PyErr_NoMemory();
        goto done;
    }
    Py_ssize_t length = 0;
    if (n == 1) {
        PositionedChar *ch = (PositionedChar *)PyTuple_GET_ITEM(PyList_GET_ITEM(members, 0), 0);
        Py_ssize_t raw_length = append_text(raw, 0, ch->text);
        length = append_collapsed(out, 0, raw, raw_length);
        if (length == raw_length && !memcmp(out, raw, (size_t)length * sizeof(Py_UCS4))) {
            /* no whitespace to collapse (most cells): the text itself */
            result = Py_NewRef(ch->text);
            goto done;
        }
    } else {
        for (Py_ssize_t k = 0; k < n; k++) {
            PositionedChar *ch = (PositionedChar *)PyTuple_GET_ITEM(PyList_GET_ITEM(members, k), 0);
            keyed[k] = (Keyed){ch, ch->cy, ch->x0, k};
        }
        qsort(keyed, (size_t)n, sizeof(Keyed), by_keys);
        int broke_at_space = 0;
        for (Py_ssize_t first = 0; first < n;) {
            double top = keyed[first].ch->top, bottom = keyed[first].ch->bottom;
            Py_ssize_t stop = first + 1;
            for (; stop < n && keyed[stop].ch->cy - (top + bottom) / 2 <= (bottom - top) * 0.45; stop++) {
                if (keyed[stop].ch->top < top)
                    top = keyed[stop].ch->top;
                if (keyed[stop].ch->bottom > bottom)
                    bottom = keyed[stop].ch->bottom;
            }
            /* the line's text: its pieces left to right */
            Py_ssize_t raw_length;
            if (stop - first == 1) {
                raw_length = append_text(raw, 0, keyed[first].ch->text);
            } else {
                for (Py_ssize_t k = first; k < stop; k++)  /* stable from the line order */
                    keyed[k] = (Keyed){keyed[k].ch, keyed[k].ch->x0, 0, k};
                qsort(keyed + first, (size_t)(stop - first), sizeof(Keyed), by_keys);
                double wide = (bottom - top) * 0.8;
                raw_length = append_text(raw, 0, keyed[first].ch->text);
                for (Py_ssize_t k = first + 1; k < stop; k++) {
                    if (keyed[k].ch->x0 - keyed[k - 1].ch->x1 > wide)
                        raw[raw_length++] = ' ';
                    raw_length = append_text(raw, raw_length, keyed[k].ch->text);
                }
            }
            first = stop;
            /* joined to the lines before */
            Py_ssize_t mark = length + 1;  /* room for the space that may go before it */
            Py_ssize_t end = append_collapsed(out, mark, raw, raw_length);
            if (end == mark) {
                broke_at_space = broke_at_space || raw_length > 0;
                continue;
            }
            if (length && (broke_at_space || Py_UNICODE_ISSPACE(raw[0]) || !(is_cjk(out[length - 1]) || is_cjk(out[mark]))))
                out[length++] = ' ';
            memmove(out + length, out + mark, (size_t)(end - mark) * sizeof(Py_UCS4));
            length += end - mark;
            broke_at_space = Py_UNICODE_ISSPACE(raw[raw_length - 1]);
        }
    }
    result = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, out, length);
done:
    PyMem_Free(keyed);
    PyMem_Free(raw);
    PyMem_Free(out);
    return result;
}

/* cell_text(members) -> the merged cell's text (see merged_cell_text). */
static PyObject *cell_text(PyObject *self, PyObject *members) {
    if (!PyList_Check(members))
        return PyErr_Format(PyExc_TypeError, "cell_text() needs a list of members");
    return merged_cell_text(members);
}

/* Appends the decimal digits of `value` (with a minus sign if `negative`) at out; returns the new end. */
static char *append_integer(char *out, unsigned long long value, int negative) {
    char digits[24];
    int n = 0;
    do {
        digits[n++] = (char)('0' + value % 10);
        value /= 10;
    } while (value);
    if (negative)
        *out++ = '-';
    while (n)
        *out++ = digits[--n];
    return out;
}

/* format(value, ".0f") at out for |value| < 2**52: the nearest whole number, ties to even, "-0" for
 * negative values that round to zero — what Python's correctly rounded conversion gives for each such
 * double (an integer plus a binary fraction). */
static char *append_whole(char *out, double value) {
    double whole = nearbyint(value);
    return append_integer(out, (unsigned long long)fabs(whole), signbit(whole));
}

/* "{label} page {page + 1} x={x0:.0f} y={top:.0f}" of the member whose character is topmost, then
 * leftmost (the first of equals), at its place on its page. */
static PyObject *cell_source(PyObject *members, PyObject *label) {
    Py_ssize_t best = 0;
    PositionedChar *best_char = member_char(PyList_GET_ITEM(members, 0), 0);
    if (!best_char)
        return NULL;
    for (Py_ssize_t k = 1; k < PyList_GET_SIZE(members); k++) {
        PositionedChar *ch = member_char(PyList_GET_ITEM(members, k), 0);
        if (!ch)
            return NULL;
        if (ch->top < best_char->top || (ch->top == best_char->top && ch->x0 < best_char->x0)) {
            best = k;
            best_char = ch;
        }
    }
    PyObject *member = PyList_GET_ITEM(members, best);
    PositionedChar *original = member_char(member, 2);
    if (!original)
        return NULL;
    Py_ssize_t page = PyLong_AsSsize_t(PyTuple_GET_ITEM(member, 1));
    if (page == -1 && PyErr_Occurred())
        return NULL;
    const double limit = 4503599627370496.0;  /* 2**52 */
    Py_ssize_t prefix_length;
    const char *prefix = PyUnicode_AsUTF8AndSize(label, &prefix_length);
    if (!prefix)
        return NULL;
    if (!(fabs(original->x0) < limit && fabs(original->top) < limit) || prefix_length > 64 || page < 0) {
        /* (and NaN) as Python formats them */
        char *x = PyOS_double_to_string(original->x0, 'f', 0, 0, NULL);
        char *y = x ? PyOS_double_to_string(original->top, 'f', 0, 0, NULL) : NULL;
        PyObject *source = y ? PyUnicode_FromFormat("%U page %zd x=%s y=%s", label, page + 1, x, y) : NULL;
        if (!y)
            PyErr_NoMemory();
        PyMem_Free(x);
        PyMem_Free(y);
        return source;
    }
    char text[160], *end = text;
    memcpy(end, prefix, (size_t)prefix_length);
    end += prefix_length;
    memcpy(end, " page ", 6);
    end = append_integer(end + 6, (unsigned long long)page + 1, 0);
    memcpy(end, " x=", 3);
    end = append_whole(end + 3, original->x0);
    memcpy(end, " y=", 3);
    end = append_whole(end + 3, original->top);
    return PyUnicode_FromStringAndSize(text, end - text);
}

static PyObject *name_text, *name_source, *name_origin;

/* A new object of the prototype's class whose __dict__ is a copy of `fields` (the prototype's) with
 * text, source and origin set: what parsers.report.labels.grid_cell makes, without its Python call. */
static PyObject *new_cell(PyObject *prototype, PyObject *fields, PyObject *text, PyObject *source, PyObject *origin) {
    PyObject *cell = NULL, *dict = PyDict_Copy(fields);
    if (!dict)
        return NULL;
    if (PyDict_SetItem(dict, name_text, text) == 0 && PyDict_SetItem(dict, name_source, source) == 0 &&
        PyDict_SetItem(dict, name_origin, origin) == 0 &&
        (cell = Py_TYPE(prototype)->tp_alloc(Py_TYPE(prototype), 0)) && PyObject_GenericSetDict(cell, dict, NULL) < 0)
        Py_CLEAR(cell);
    Py_DECREF(dict);
    return cell;
}

/* grid_rows(roots, region_chars, n_cols, label, source, prototype) -> rows of cells
 *
 * The grid of a laid-out table (lay_out's roots and region_chars).  Cells are copies of `prototype` (a
 * GridCell with its defaults) with text, source and origin set: the cell at its region's top-left has
 * the text and source read from the region's characters, or "" and "{source} row R col C" for an empty
 * region, and origin None; the region's other positions hold one shared copy of it with origin
 * (row, col) of the top-left cell. */
static PyObject *grid_rows(PyObject *self, PyObject *args) {
    PyObject *roots, *regions, *label, *source, *prototype;
    Py_ssize_t n_cols;
    if (!PyArg_ParseTuple(args, "O!O!nUUO", &PyList_Type, &roots, &PyDict_Type, &regions, &n_cols, &label, &source,
                          &prototype))
        return NULL;
    PyObject *fields = PyObject_GenericGetDict(prototype, NULL);
    if (!fields)
        return NULL;
    Py_ssize_t n_cells = PyList_GET_SIZE(roots);
    if (n_cols < 1 || n_cells % n_cols)
        return PyErr_Format(PyExc_ValueError, "%zd cells do not make rows of %zd", n_cells, n_cols);
    PyObject *rows = NULL;
    PyObject **cells = PyMem_Calloc((size_t)n_cells + 1, sizeof(PyObject *));
    PyObject **copies = PyMem_Calloc((size_t)n_cells + 1, sizeof(PyObject *));
    if (!cells || !copies) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < n_cells; i++) {
        PyObject *root_object = PyList_GET_ITEM(roots, i);
        Py_ssize_t root = PyLong_AsSsize_t(root_object);
        if (root == -1 && PyErr_Occurred())
            goto done;
        if (root < 0 || root > i) {
            PyErr_SetString(PyExc_ValueError, "a cell's root comes after it");
            goto done;
        }
        if (root == i) {
            PyObject *members = PyDict_GetItemWithError(regions, root_object);
            PyObject *text, *where;
            if (members && !PyList_Check(members)) {
                PyErr_SetString(PyExc_TypeError, "region_chars values must be lists");
                goto done;
            }
            if (members && PyList_GET_SIZE(members)) {
                text = merged_cell_text(members);
                where = text ? cell_source(members, label) : NULL;
            } else if (!members && PyErr_Occurred()) {
                goto done;
            } else {
                text = PyUnicode_New(0, 0);
                char position[64];
                snprintf(position, sizeof position, " row %zd col %zd", i / n_cols + 1, i % n_cols + 1);
                where = PyUnicode_FromFormat("%U%s", source, position);
            }
            if (text && where)
                cells[i] = new_cell(prototype, fields, text, where, Py_None);
            Py_XDECREF(text);
            Py_XDECREF(where);
            if (!cells[i])
                goto done;
            continue;
        }
        if (!copies[root]) {
            PyObject *text = PyObject_GetAttr(cells[root], name_text);
            PyObject *where = text ? PyObject_GetAttr(cells[root], name_source) : NULL;
            PyObject *origin = where ? Py_BuildValue("(nn)", root / n_cols, root % n_cols) : NULL;
            if (origin)
                copies[root] = new_cell(prototype, fields, text, where, origin);
            Py_XDECREF(text);
            Py_XDECREF(where);
            Py_XDECREF(origin);
            if (!copies[root])
                goto done;
        }
        Py_INCREF(copies[root]);
        cells[i] = copies[root];
    }
    Py_ssize_t n_rows = n_cells / n_cols;
    if (!(rows = PyList_New(n_rows)))
        goto done;
    for (Py_ssize_t r = 0; r < n_rows; r++) {
        PyObject *row = PyList_New(n_cols);
        if (!row) {
            Py_CLEAR(rows);
            goto done;
        }
        for (Py_ssize_t c = 0; c < n_cols; c++) {
            PyList_SET_ITEM(row, c, cells[r * n_cols + c]);
            cells[r * n_cols + c] = NULL;
        }
        PyList_SET_ITEM(rows, r, row);
    }
done:
    if (cells)
        for (Py_ssize_t i = 0; i < n_cells; i++)
            Py_XDECREF(cells[i]);
    if (copies)
        for (Py_ssize_t i = 0; i < n_cells; i++)
            Py_XDECREF(copies[i]);
    PyMem_Free(cells);
    PyMem_Free(copies);
    Py_DECREF(fields);
    return rows;
}

static PyMethodDef methods[] = {
    {"configure", configure, METH_VARARGS, "Addresses of FPDFPage_GetObject, FPDFPageObj_GetType, "
     "FPDFPageObj_GetBounds, FPDFText_GetLooseCharBox, FPDFText_IsGenerated, FPDFText_GetText, FPDFText_GetUnicode, "
     "FPDF_GetMetaText."},
    {"metadata", metadata, METH_VARARGS, "A document's information entries, as pypdfium2's get_metadata_dict."},
    {"page_text", page_text, METH_VARARGS, "The text of a text page's first characters, one per character index."},
    {"text_length", text_length, METH_O, "The number of characters in the texts of PositionedChars."},
    {"page_objects", page_objects, METH_VARARGS, "Image and path objects of a page with their bounds."},
    {"text_chars", text_chars, METH_VARARGS, "A text page's runs of characters, positioned."},
    {"merge_rulings", merge_rulings, METH_VARARGS, "A page's horizontal or vertical rulings, merged on their lines."},
    {"find_tables", find_tables, METH_VARARGS, "A page's rulings grouped into ruled tables."},
    {"members", members, METH_VARARGS, "A table part's characters placed on the stacked surface, with page and original."},
    {"shifted", shifted, METH_VARARGS, "Rulings moved onto the stacked surface of a table."},
    {"cluster", cluster_values, METH_VARARGS, "Sorted positions, each run within snap replaced by its mean."},
    {"lay_out", lay_out, METH_VARARGS, "A ruled table's grid lines, merged cells and the characters in each."},
    {"cell_text", cell_text, METH_O, "A merged cell's text from its (character, page, original) members."},
    {"grid_rows", grid_rows, METH_VARARGS, "The rows of cells of a laid-out table."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_pdf_loops", NULL, -1, methods};

PyMODINIT_FUNC PyInit__pdf_loops(void) {
    if (!(name_x0 = PyUnicode_InternFromString("x0")) || !(name_y0 = PyUnicode_InternFromString("y0")) ||
        !(name_x1 = PyUnicode_InternFromString("x1")) || !(name_y1 = PyUnicode_InternFromString("y1")) ||
        !(name_cx = PyUnicode_InternFromString("cx")) || !(name_cy = PyUnicode_InternFromString("cy")) ||
        !(name_text = PyUnicode_InternFromString("text")) || !(name_source = PyUnicode_InternFromString("source")) ||
        !(name_origin = PyUnicode_InternFromString("origin")))
        return NULL;
    if (PyType_Ready(&PositionedCharType) < 0 || PyType_Ready(&RulingType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (!m)
        return NULL;
    if (PyModule_AddObjectRef(m, "PositionedChar", (PyObject *)&PositionedCharType) < 0 ||
        PyModule_AddObjectRef(m, "Ruling", (PyObject *)&RulingType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
