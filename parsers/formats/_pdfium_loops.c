/* The two per-page loops of the PDF reader that call pdfium once per object or character.
 *
 * Called through ctypes, each pdfium call costs ~3 000 instructions of argument conversion, several
 * times the call itself; a 6-page report makes ~3 000 of them.  Here they are plain C calls.  pdfium
 * is not linked: pypdfium2 already loaded it, and `configure` receives the addresses of the few
 * functions used (so this builds with a C compiler and Python's headers alone).  The decisions
 * (which objects are rulings, where a run is split by a table rule) stay in Python.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>

typedef struct { float left, top, right, bottom; } RectF;

static void *(*get_object)(void *page, int index);
static int (*object_type)(void *object);
static int (*object_bounds)(void *object, float *left, float *bottom, float *right, float *top);
static int (*loose_char_box)(void *text_page, int index, RectF *rect);
static int (*is_generated)(void *text_page, int index);

enum { IMAGE = 3, PATH = 2 };  /* FPDF_PAGEOBJ_IMAGE, FPDF_PAGEOBJ_PATH */

static PyObject *configure(PyObject *self, PyObject *args) {
    unsigned long long a, b, c, d, e;
    if (!PyArg_ParseTuple(args, "KKKKK", &a, &b, &c, &d, &e))
        return NULL;
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
    PyObject *item = PyObject_CallFunction(page->make, "Ndddd", text, x0, top, x1, bottom);
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

static PyMethodDef methods[] = {
    {"configure", configure, METH_VARARGS, "Addresses of FPDFPage_GetObject, FPDFPageObj_GetType, "
     "FPDFPageObj_GetBounds, FPDFText_GetLooseCharBox, FPDFText_IsGenerated."},
    {"page_objects", page_objects, METH_VARARGS, "Image and path objects of a page with their bounds."},
    {"text_chars", text_chars, METH_VARARGS, "A text page's runs of characters, positioned."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_pdfium_loops", NULL, -1, methods};

PyMODINIT_FUNC PyInit__pdfium_loops(void) { return PyModule_Create(&module); }
