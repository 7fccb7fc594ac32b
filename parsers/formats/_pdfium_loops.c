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

static PyObject *box_or_none(void *text_page, int index) {
    RectF rect;
    if (!loose_char_box(text_page, index, &rect))
        Py_RETURN_NONE;
    return Py_BuildValue("(dddd)", (double)rect.left, (double)rect.top, (double)rect.right, (double)rect.bottom);
}

static int add_piece(PyObject *out, void *text_page, Py_ssize_t start, Py_ssize_t end) {
    PyObject *first = box_or_none(text_page, (int)start);
    if (!first)
        return -1;
    PyObject *last;
    if (end - start == 1 || first == Py_None) {
        last = Py_None;
        Py_INCREF(last);
    } else if (!(last = box_or_none(text_page, (int)(end - 1)))) {
        Py_DECREF(first);
        return -1;
    }
    PyObject *item = Py_BuildValue("(nnNN)", start, end, first, last);
    if (!item)
        return -1;
    int failed = PyList_Append(out, item);
    Py_DECREF(item);
    return failed;
}

/* text_runs(text_page, text) -> [(start, end, first box or None, last box or None)]
 *
 * `text` is the page's text, one character per pdfium character index.  A run is a stretch of
 * non-separating characters and single spaces between them; it is cut at every space pdfium
 * generated (a gap it judged to be between words), so that a run is what pdfium read as one
 * stretch of a line.  Boxes are pdfium's loose boxes (left, top, right, bottom) of the run's first
 * and last character (last is None for one character, or when the first has no box). */
static PyObject *text_runs(PyObject *self, PyObject *args) {
    unsigned long long handle;
    PyObject *text;
    if (!PyArg_ParseTuple(args, "KU", &handle, &text))
        return NULL;
    if (!loose_char_box)
        return PyErr_Format(PyExc_RuntimeError, "configure() was not called");
    void *text_page = (void *)(uintptr_t)handle;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    PyObject *out = PyList_New(0);
    if (!out)
        return NULL;
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
            if (is_generated(text_page, (int)i)) {
                if (add_piece(out, text_page, start, i) < 0)
                    goto error;
                start = i + 1;
            }
            i++;
            while (i < n && !separates(PyUnicode_READ(kind, data, i)))
                i++;
        }
        if (add_piece(out, text_page, start, i) < 0)
            goto error;
    }
    return out;
error:
    Py_DECREF(out);
    return NULL;
}

static PyMethodDef methods[] = {
    {"configure", configure, METH_VARARGS, "Addresses of FPDFPage_GetObject, FPDFPageObj_GetType, "
     "FPDFPageObj_GetBounds, FPDFText_GetLooseCharBox, FPDFText_IsGenerated."},
    {"page_objects", page_objects, METH_VARARGS, "Image and path objects of a page with their bounds."},
    {"text_runs", text_runs, METH_VARARGS, "A text page's runs with the boxes of their first and last characters."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_pdfium_loops", NULL, -1, methods};

PyMODINIT_FUNC PyInit__pdfium_loops(void) { return PyModule_Create(&module); }
