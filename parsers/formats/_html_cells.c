/* The HTML reader's table expansion (`parsers/formats/html.py`, `expand_table`), in C.
 *
 * Expanding a table visits every cell of every table, ~260 per report: through lxml's Python API and a
 * Python loop each cell cost ~10 000 instructions (a proxy object per cell and per child, the tag and
 * every attribute made into Python strings, the text serialised by `etree.tostring`, the grid cell's
 * dict filled key by key), a fifth of an HTML report's parse.  Here a row's libxml2 nodes are walked
 * directly — the element proxies lxml hands out point at them; lxml's public `etree.h` gives the
 * layout, and `setup.py` compiles against the headers of the installed lxml — and the grid is filled
 * in C.  The text of a cell is still settled by the reader's Python functions (`collapse`,
 * `cell_text`) wherever it needs more than a strip.  `tests/formats/test_html_cells.py` holds the
 * Python this replaced and compares the two on every table of the fixtures and on hand-made ones.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>
#include <libxml/tree.h>
#include "etree.h"

/* ---------------------------------------------------------------- configuration (html.py, once) */

static PyTypeObject *element_type;  /* lxml.etree._Element */
static PyTypeObject *grid_cell_type; /* parsers.model.GridCell */
static PyObject *cell_defaults;      /* its fields' defaults */
static PyObject *collapse_text;      /* collapse(text) -> str */
static PyObject *cell_text;          /* cell_text(cell) -> str */
static PyObject *read_cell;          /* read_cell(cell) -> (text, nested, rowspan, colspan) */
static PyObject *span_of;            /* _span(value, limit) -> int */
static PyObject *column_numbers;     /* ("1", "2", …) */
static PyObject *padding;            /* the characters a nested cell's text is stripped of */
static PyObject *key_text, *key_source, *key_origin, *empty_tuple;

static PyObject *configure(PyObject *module, PyObject *args) {
    PyObject *type, *defaults, *collapse_, *cell_text_, *read_cell_, *span_, *numbers, *padding_;
    if (!PyArg_ParseTuple(args, "O!O!OOOOO!U:configure", &PyType_Type, &type, &PyDict_Type, &defaults, &collapse_,
                          &cell_text_, &read_cell_, &span_, &PyTuple_Type, &numbers, &padding_))
        return NULL;
    Py_XSETREF(grid_cell_type, (PyTypeObject *)Py_NewRef(type));
    Py_XSETREF(cell_defaults, Py_NewRef(defaults));
    Py_XSETREF(collapse_text, Py_NewRef(collapse_));
    Py_XSETREF(cell_text, Py_NewRef(cell_text_));
    Py_XSETREF(read_cell, Py_NewRef(read_cell_));
    Py_XSETREF(span_of, Py_NewRef(span_));
    Py_XSETREF(column_numbers, Py_NewRef(numbers));
    Py_XSETREF(padding, Py_NewRef(padding_));
    Py_RETURN_NONE;
}

/* ---------------------------------------------------------------- reading a cell from the tree */

/* lxml counts elements, comments, entity references and processing instructions as an element's
 * children (`len(element)`, `element[i]`), not text. */
static int is_lxml_child(const xmlNode *node) {
    return node->type == XML_ELEMENT_NODE || node->type == XML_COMMENT_NODE || node->type == XML_ENTITY_REF_NODE ||
           node->type == XML_PI_NODE;
}

typedef struct {
    char *bytes;
    size_t length, capacity;
} Buffer;

static int append(Buffer *buffer, const xmlChar *text) {
    size_t length = strlen((const char *)text);
    if (buffer->length + length > buffer->capacity) {
        size_t capacity = buffer->capacity ? buffer->capacity : 256;
        while (capacity < buffer->length + length)
            capacity *= 2;
        char *grown = PyMem_Realloc(buffer->bytes, capacity);
        if (!grown) {
            PyErr_NoMemory();
            return -1;
        }
        buffer->bytes = grown;
        buffer->capacity = capacity;
    }
    memcpy(buffer->bytes + buffer->length, text, length);
    buffer->length += length;
    return 0;
}

static PyObject *buffer_text(const Buffer *buffer) {
    return PyUnicode_DecodeUTF8(buffer->bytes ? buffer->bytes : "", (Py_ssize_t)buffer->length, NULL);
}

/* Every text and CDATA node under `parent`, in document order: what
 * `etree.tostring(cell, method="text", with_tail=False)` gives (libxml2's xmlNodeBufGetContent).
 * 1 when a node of a kind an HTML tree does not have (an entity reference, an XInclude marker) was met:
 * the cell is then read through lxml. */
static int collect_text(const xmlNode *parent, Buffer *buffer) {
    for (const xmlNode *node = parent->children; node; node = node->next) {
        switch (node->type) {
        case XML_TEXT_NODE:
        case XML_CDATA_SECTION_NODE:
            if (node->content && append(buffer, node->content) < 0)
                return -1;
            break;
        case XML_ELEMENT_NODE: {
            int status = collect_text(node, buffer);
            if (status)
                return status;
            break;
        }
        case XML_COMMENT_NODE:
        case XML_PI_NODE:
            break;
        default:
            return 1;
        }
    }
    return 0;
}

/* An attribute's value as `element.items()` gives it ('' for an attribute without one); 1 for a value
 * holding an entity reference (read through lxml). */
static int attribute_value(const xmlAttr *attribute, Buffer *buffer, PyObject **value) {
    buffer->length = 0;
    for (const xmlNode *node = attribute->children; node; node = node->next) {
        if (node->type != XML_TEXT_NODE)
            return 1;
        if (node->content && append(buffer, node->content) < 0)
            return -1;
    }
    *value = buffer_text(buffer);
    return *value ? 0 : -1;
}

typedef struct {
    PyObject *text, *rowspan, *colspan; /* rowspan/colspan: NULL when absent */
    int nested;
} Cell;

static void cell_clear(Cell *cell) {
    Py_CLEAR(cell->text);
    Py_CLEAR(cell->rowspan);
    Py_CLEAR(cell->colspan);
}

/* What `read_cell` in html.py reads, from the tree; 1 when the cell must be read through lxml. */
static int read_from_tree(const xmlNode *node, Buffer *buffer, Cell *cell) {
    cell->nested = 0;
    for (const xmlNode *child = node->children; child; child = child->next)
        if (is_lxml_child(child)) {
            cell->nested = 1;
            break;
        }
    buffer->length = 0;
    int status = collect_text(node, buffer);
    if (status)
        return status;
    if (!(cell->text = buffer_text(buffer)))
        return -1;
    /* items() names an attribute "{namespace}name" when it has a namespace: those never match */
    for (const xmlAttr *attribute = node->properties; attribute; attribute = attribute->next) {
        if (attribute->ns)
            continue;
        PyObject **slot = NULL;
        if (!cell->rowspan && strcmp((const char *)attribute->name, "rowspan") == 0)
            slot = &cell->rowspan;
        else if (!cell->colspan && strcmp((const char *)attribute->name, "colspan") == 0)
            slot = &cell->colspan;
        if (slot && (status = attribute_value(attribute, buffer, slot)))
            return status;
    }
    return 0;
}

/* function(row[position]): the cell handed to the reader's Python. */
static PyObject *call_on_cell(PyObject *function, PyObject *row, Py_ssize_t position) {
    PyObject *element = PySequence_GetItem(row, position);
    if (!element)
        return NULL;
    PyObject *result = PyObject_CallOneArg(function, element);
    Py_DECREF(element);
    return result;
}

static int read_through_lxml(PyObject *row, Py_ssize_t position, Cell *cell) {
    PyObject *read = call_on_cell(read_cell, row, position);
    if (!read)
        return -1;
    PyObject *text, *nested, *rowspan, *colspan;
    if (!PyArg_ParseTuple(read, "UOOO:read_cell", &text, &nested, &rowspan, &colspan)) {
        Py_DECREF(read);
        return -1;
    }
    cell->text = Py_NewRef(text);
    cell->nested = PyObject_IsTrue(nested);
    cell->rowspan = rowspan == Py_None ? NULL : Py_NewRef(rowspan);
    cell->colspan = colspan == Py_None ? NULL : Py_NewRef(colspan);
    Py_DECREF(read);
    return cell->nested < 0 ? -1 : 0;
}

static int is_alnum(PyObject *text) {
    Py_ssize_t length = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    if (!length)
        return 0;
    for (Py_ssize_t i = 0; i < length; i++)
        if (!Py_UNICODE_ISALNUM(PyUnicode_READ(kind, data, i)))
            return 0;
    return 1;
}

static int has_space(PyObject *text) {
    Py_ssize_t length = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    for (Py_ssize_t i = 0; i < length; i++)
        if (Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, i)))
            return 1;
    return 0;
}

static int is_padding(Py_UCS4 ch) {
    Py_ssize_t length = PyUnicode_GET_LENGTH(padding);
    for (Py_ssize_t i = 0; i < length; i++)
        if (PyUnicode_READ_CHAR(padding, i) == ch)
            return 1;
    return 0;
}

/* text.strip(padding) */
static PyObject *strip_padding(PyObject *text) {
    Py_ssize_t start = 0, end = PyUnicode_GET_LENGTH(text);
    while (start < end && is_padding(PyUnicode_READ_CHAR(text, start)))
        start++;
    while (end > start && is_padding(PyUnicode_READ_CHAR(text, end - 1)))
        end--;
    return PyUnicode_Substring(text, start, end);
}

/* The cell's text as the reader prints it (expand_table's rules in html.py before it moved here):
 * a cell without children has its whitespace collapsed unless it is letters and digits only; a cell
 * with children is stripped, and read by `cell_text` (paragraphs and line breaks joined) only when
 * spaces are left inside. */
static PyObject *settled_text(const Cell *cell, PyObject *row, Py_ssize_t position) {
    if (!cell->nested)
        return is_alnum(cell->text) ? Py_NewRef(cell->text) : PyObject_CallOneArg(collapse_text, cell->text);
    PyObject *text = strip_padding(cell->text);
    if (!text || is_alnum(text) || !has_space(text))
        return text;
    Py_DECREF(text);
    return call_on_cell(cell_text, row, position);
}

/* ---------------------------------------------------------------- the grid */

/* A GridCell built as `labels.grid_cell` builds it: its dict filled from the defaults. */
static PyObject *new_grid_cell(PyObject *text, PyObject *source, PyObject *origin) {
    PyObject *made = PyBaseObject_Type.tp_new(grid_cell_type, empty_tuple, NULL);
    if (!made)
        return NULL;
    PyObject *fields = PyObject_GenericGetDict(made, NULL);
    int failed = !fields || PyDict_Update(fields, cell_defaults) < 0 || PyDict_SetItem(fields, key_text, text) < 0 ||
                 PyDict_SetItem(fields, key_source, source) < 0 ||
                 (origin && PyDict_SetItem(fields, key_origin, origin) < 0);
    Py_XDECREF(fields);
    if (failed)
        Py_CLEAR(made);
    return made;
}

typedef struct {
    PyObject **cells; /* strong references; NULL where nothing is placed yet */
    Py_ssize_t capacity;
} PlacedRow;

static int reserve(PlacedRow *row, Py_ssize_t columns) {
    if (columns <= row->capacity)
        return 0;
    Py_ssize_t capacity = row->capacity ? row->capacity : 16;
    while (capacity < columns)
        capacity *= 2;
    PyObject **grown = PyMem_Realloc(row->cells, (size_t)capacity * sizeof(PyObject *));
    if (!grown) {
        PyErr_NoMemory();
        return -1;
    }
    memset(grown + row->capacity, 0, (size_t)(capacity - row->capacity) * sizeof(PyObject *));
    row->cells = grown;
    row->capacity = capacity;
    return 0;
}

static int is_placed(const PlacedRow *row, Py_ssize_t column) {
    return column < row->capacity && row->cells[column];
}

static int place(PlacedRow *row, Py_ssize_t column, PyObject *cell) {
    if (reserve(row, column + 1) < 0)
        return -1;
    row->cells[column] = Py_NewRef(cell);
    return 0;
}

/* _span(value, limit) of html.py: ASCII digits here, anything else there. */
static Py_ssize_t span(PyObject *value, Py_ssize_t limit) {
    Py_ssize_t length = PyUnicode_GET_LENGTH(value);
    if (PyUnicode_IS_ASCII(value) && length > 0 && length < 10) {
        const char *digits = (const char *)PyUnicode_DATA(value);
        Py_ssize_t number = 0, i = 0;
        while (i < length && digits[i] >= '0' && digits[i] <= '9')
            number = number * 10 + (digits[i++] - '0');
        if (i == length)
            return number < 1 ? 1 : number < limit ? number : (limit < 1 ? 1 : limit);
    }
    PyObject *result = PyObject_CallFunction(span_of, "On", value, limit);
    if (!result)
        return -1;
    Py_ssize_t number = PyLong_AsSsize_t(result);
    Py_DECREF(result);
    return number;
}

static PyObject *column_number(Py_ssize_t column) {
    if (column < PyTuple_GET_SIZE(column_numbers))
        return Py_NewRef(PyTuple_GET_ITEM(column_numbers, column));
    return PyUnicode_FromFormat("%zd", column + 1);
}

typedef struct {
    PlacedRow *rows;
    Py_ssize_t height, width, count, max_cells, max_span;
    PyObject *source;
} Expansion;

/* The copies of the cell placed at (r, c) over the rows and columns it spans, where no cell is placed
 * yet; its colspan, or -1 on an error. */
static Py_ssize_t spread(Expansion *grid, const Cell *cell, Py_ssize_t r, Py_ssize_t c, PyObject *text,
                         PyObject *where) {
    /* an empty attribute counts as none, as in Python */
    int has_rowspan = cell->rowspan && PyUnicode_GET_LENGTH(cell->rowspan);
    int has_colspan = cell->colspan && PyUnicode_GET_LENGTH(cell->colspan);
    if (!has_rowspan && !has_colspan)
        return 1;
    Py_ssize_t below = grid->height - r;
    Py_ssize_t rowspan = has_rowspan ? span(cell->rowspan, grid->max_span < below ? grid->max_span : below) : 1;
    Py_ssize_t colspan = has_colspan && rowspan > 0 ? span(cell->colspan, grid->max_span) : 1;
    if (rowspan < 0 || colspan < 0)
        return -1;
    if (rowspan == 1 && colspan == 1)
        return 1;
    PyObject *origin = Py_BuildValue("(nn)", r, c);
    PyObject *copy = origin ? new_grid_cell(text, where, origin) : NULL;
    Py_XDECREF(origin);
    if (!copy)
        return -1;
    for (Py_ssize_t dr = 0; dr < rowspan; dr++) {
        PlacedRow *target = &grid->rows[r + dr];
        for (Py_ssize_t dc = 0; dc < colspan; dc++) {
            if ((dr || dc) && !is_placed(target, c + dc)) {
                if (place(target, c + dc, copy) < 0) {
                    Py_DECREF(copy);
                    return -1;
                }
                grid->count++;
            }
        }
    }
    Py_DECREF(copy);
    return colspan;
}

/* Every td/th of one row placed on the grid at row `r`. */
static int expand_row(Expansion *grid, PyObject *row, Py_ssize_t r, Buffer *buffer) {
    if (!PyObject_TypeCheck(row, element_type)) {
        PyErr_Format(PyExc_TypeError, "expand_rows: rows must be lxml elements, not %.100s", Py_TYPE(row)->tp_name);
        return -1;
    }
    PlacedRow *own = &grid->rows[r];
    PyObject *prefix = PyUnicode_FromFormat("%U row %zd col ", grid->source, r + 1);
    if (!prefix)
        return -1;
    Py_ssize_t c = 0, position = -1;
    int result = -1;
    for (const xmlNode *node = ((struct LxmlElement *)row)->_c_node->children; node; node = node->next) {
        if (!is_lxml_child(node))
            continue;
        position++;
        if (node->type != XML_ELEMENT_NODE || node->ns ||
            (strcmp((const char *)node->name, "td") != 0 && strcmp((const char *)node->name, "th") != 0))
            continue;
        Cell cell = {NULL, NULL, NULL, 0};
        int status = read_from_tree(node, buffer, &cell);
        if (status == 1) {
            cell_clear(&cell);
            status = read_through_lxml(row, position, &cell);
        }
        if (status < 0) {
            cell_clear(&cell);
            goto done;
        }
        while (is_placed(own, c))
            c++;
        PyObject *text = settled_text(&cell, row, position);
        PyObject *number = text ? column_number(c) : NULL;
        PyObject *where = number ? PyUnicode_Concat(prefix, number) : NULL;
        PyObject *made = where ? new_grid_cell(text, where, NULL) : NULL;
        Py_XDECREF(number);
        int placed = made ? place(own, c, made) : -1;
        Py_XDECREF(made);
        if (placed < 0) {
            Py_XDECREF(text);
            Py_XDECREF(where);
            cell_clear(&cell);
            goto done;
        }
        grid->count++;
        Py_ssize_t colspan = spread(grid, &cell, r, c, text, where);
        Py_DECREF(text);
        Py_DECREF(where);
        cell_clear(&cell);
        if (colspan < 0)
            goto done;
        c += colspan;
    }
    if (c > grid->width)
        grid->width = c;
    result = 0;
done:
    Py_DECREF(prefix);
    return result;
}

/* The placed rows as lists of `width` cells (`blank` where nothing is placed), rows without any text
 * left out. */
static PyObject *grid_rows(const Expansion *grid, PyObject *blank) {
    PyObject *rows = PyList_New(0);
    for (Py_ssize_t r = 0; rows && r < grid->height; r++) {
        const PlacedRow *own = &grid->rows[r];
        int any_text = 0;
        for (Py_ssize_t c = 0; c < grid->width && c < own->capacity && !any_text; c++) {
            PyObject *cell = own->cells[c];
            if (cell) {
                PyObject *text = PyObject_GetAttr(cell, key_text);
                if (!text) {
                    Py_CLEAR(rows);
                    return NULL;
                }
                any_text = PyObject_IsTrue(text);
                Py_DECREF(text);
                if (any_text < 0) {
                    Py_CLEAR(rows);
                    return NULL;
                }
            }
        }
        if (!any_text)
            continue;
        PyObject *cells = PyList_New(grid->width);
        if (!cells) {
            Py_CLEAR(rows);
            break;
        }
        for (Py_ssize_t c = 0; c < grid->width; c++)
            PyList_SET_ITEM(cells, c, Py_NewRef(is_placed(own, c) ? own->cells[c] : blank));
        if (PyList_Append(rows, cells) < 0)
            Py_CLEAR(rows);
        Py_DECREF(cells);
    }
    return rows;
}

static PyObject *expand_rows(PyObject *module, PyObject *args) {
    PyObject *rows, *source, *blank;
    Py_ssize_t max_cells, max_span;
    if (!PyArg_ParseTuple(args, "O!UOnn:expand_rows", &PyList_Type, &rows, &source, &blank, &max_cells, &max_span))
        return NULL;
    if (!grid_cell_type)
        return PyErr_Format(PyExc_RuntimeError, "expand_rows: configure() was not called");
    Py_ssize_t height = PyList_GET_SIZE(rows);
    Expansion grid = {PyMem_Calloc(height ? (size_t)height : 1, sizeof(PlacedRow)), height, 0, 0, max_cells, max_span,
                      source};
    if (!grid.rows)
        return PyErr_NoMemory();
    Buffer buffer = {NULL, 0, 0};
    PyObject *cut = Py_None, *result = NULL;
    for (Py_ssize_t r = 0; r < height; r++) {
        if (grid.count > max_cells) {
            cut = PyLong_FromSsize_t(r);
            grid.height = r;
            break;
        }
        if (expand_row(&grid, PyList_GET_ITEM(rows, r), r, &buffer) < 0)
            goto done;
    }
    if (cut) {
        PyObject *expanded = grid_rows(&grid, blank);
        if (expanded)
            result = Py_BuildValue("(NO)", expanded, cut);
    }
done:
    if (cut != Py_None)
        Py_XDECREF(cut);
    for (Py_ssize_t r = 0; r < height; r++) {
        for (Py_ssize_t c = 0; c < grid.rows[r].capacity; c++)
            Py_XDECREF(grid.rows[r].cells[c]);
        PyMem_Free(grid.rows[r].cells);
    }
    PyMem_Free(grid.rows);
    PyMem_Free(buffer.bytes);
    return result;
}

static PyMethodDef methods[] = {
    {"configure", configure, METH_VARARGS,
     "configure(GridCell, defaults, collapse, cell_text, read_cell, span, column_numbers, padding): what "
     "expand_rows calls back into and makes; html.py calls it once."},
    {"expand_rows", expand_rows, METH_VARARGS,
     "expand_rows(rows, source, blank, max_cells, max_span) -> (grid rows, cut): the tr elements ``rows`` "
     "with rowspan/colspan expanded into GridCells, ``blank`` where no cell reaches, rows without text "
     "left out; ``cut`` is the row the grid stopped at once more than ``max_cells`` cells were placed, "
     "or None."},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_html_cells", NULL, -1, methods};

PyMODINIT_FUNC PyInit__html_cells(void) {
    key_text = PyUnicode_InternFromString("text");
    key_source = PyUnicode_InternFromString("source");
    key_origin = PyUnicode_InternFromString("origin");
    empty_tuple = PyTuple_New(0);
    if (!key_text || !key_source || !key_origin || !empty_tuple)
        return NULL;
    PyObject *etree = PyImport_ImportModule("lxml.etree");
    if (!etree)
        return NULL;
    element_type = (PyTypeObject *)PyObject_GetAttrString(etree, "_Element");
    Py_DECREF(etree);
    if (!element_type)
        return NULL;
    if (!PyType_Check(element_type)) {
        Py_CLEAR(element_type);
        return PyErr_Format(PyExc_ImportError, "lxml.etree._Element is not a type");
    }
    return PyModule_Create(&module);
}
