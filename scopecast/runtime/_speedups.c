/*
 * scopecast.runtime._speedups: the compact scorer's task-text features in C.
 *
 * One function, text_rows(), does for an ASCII task what
 * scopecast.runtime._compact_rows.InputRows.features does in Python for its text and
 * similarity blocks with the usual featurizer settings (word unigrams and bigrams, no
 * character n-grams): the words of scopecast._task_tokens (lowercased, each run of digits
 * one "0", maximal runs of [a-z0-9_]), their rows in the model's unigram, bigram and
 * similarity-word dictionaries, and each block's sublinear TF-IDF factor at unit L2 norm,
 * (1 + ln(count)) / norm, norm the square root of the sum of (1 + ln(count))^2 * idf^2
 * over the block's distinct rows (the idf itself is already in the rows of the matrix).
 *
 * It returns None for a task that is not ASCII, and the Python path then does the work:
 * the two paths give the same rows and factors (equal factors up to the order of floating
 * point additions), which tests check on generated and random tasks. It reads the
 * dictionaries and the idf list it is given and never keeps a reference to them.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A row and how many times the task contributes it. */
typedef struct {
    Py_ssize_t row;
    Py_ssize_t count;
} RowCount;

/* Growable array of rows, on the stack while small. */
typedef struct {
    Py_ssize_t *items;
    Py_ssize_t length;
    Py_ssize_t capacity;
    Py_ssize_t local[128];
} RowBuffer;

static void rows_init(RowBuffer *buf) {
    buf->items = buf->local;
    buf->length = 0;
    buf->capacity = 128;
}

static void rows_free(RowBuffer *buf) {
    if (buf->items != buf->local) {
        PyMem_Free(buf->items);
    }
}

static int rows_append(RowBuffer *buf, Py_ssize_t row) {
    if (buf->length == buf->capacity) {
        Py_ssize_t capacity = buf->capacity * 2;
        Py_ssize_t *items = PyMem_Malloc((size_t)capacity * sizeof(Py_ssize_t));
        if (items == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        memcpy(items, buf->items, (size_t)buf->length * sizeof(Py_ssize_t));
        rows_free(buf);
        buf->items = items;
        buf->capacity = capacity;
    }
    buf->items[buf->length++] = row;
    return 0;
}

/* The row of `key` in `dict` appended to `buf` (nothing if absent); -1 on error. */
static int look_up(PyObject *dict, PyObject *key, RowBuffer *buf, Py_ssize_t n_rows) {
    PyObject *value = PyDict_GetItemWithError(dict, key); /* borrowed */
    if (value == NULL) {
        return PyErr_Occurred() ? -1 : 0;
    }
    Py_ssize_t row = PyLong_AsSsize_t(value);
    if (row == -1 && PyErr_Occurred()) {
        return -1;
    }
    if (row <= 0 || row >= n_rows) {
        PyErr_Format(PyExc_IndexError, "vocabulary row %zd outside the model's rows (1 to %zd)",
                     row, n_rows - 1);
        return -1;
    }
    return rows_append(buf, row);
}

static int compare_rows(const void *a, const void *b) {
    Py_ssize_t x = *(const Py_ssize_t *)a, y = *(const Py_ssize_t *)b;
    return (x > y) - (x < y);
}

/* Append a block's distinct rows (sorted) with their TF-IDF factors; -1 on error. */
static int add_block_counts(RowBuffer *buf, PyObject *idf2, PyObject *rows, PyObject *values) {
    Py_ssize_t n = buf->length;
    if (n == 0) {
        return 0;
    }
    qsort(buf->items, (size_t)n, sizeof(Py_ssize_t), compare_rows);
    RowCount local[128];
    RowCount *runs = local;
    if (n > 128) {
        runs = PyMem_Malloc((size_t)n * sizeof(RowCount));
        if (runs == NULL) {
            PyErr_NoMemory();
            return -1;
        }
    }
    Py_ssize_t n_runs = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (n_runs > 0 && runs[n_runs - 1].row == buf->items[i]) {
            runs[n_runs - 1].count++;
        } else {
            runs[n_runs].row = buf->items[i];
            runs[n_runs].count = 1;
            n_runs++;
        }
    }
    Py_ssize_t n_idf = PyList_GET_SIZE(idf2);
    double square = 0.0;
    for (Py_ssize_t k = 0; k < n_runs; k++) {
        if (runs[k].row >= n_idf) {
            PyErr_Format(PyExc_IndexError, "row %zd has no idf (%zd idf values)", runs[k].row,
                         n_idf);
            goto fail;
        }
        double idf_squared = PyFloat_AsDouble(PyList_GET_ITEM(idf2, runs[k].row));
        if (idf_squared == -1.0 && PyErr_Occurred()) {
            goto fail;
        }
        double tf = 1.0 + log((double)runs[k].count);
        square += tf * tf * idf_squared;
    }
    double inverse = square > 0.0 ? 1.0 / sqrt(square) : 0.0;
    for (Py_ssize_t k = 0; k < n_runs; k++) {
        PyObject *row = PyLong_FromSsize_t(runs[k].row);
        if (row == NULL) {
            goto fail;
        }
        int failed = PyList_Append(rows, row);
        Py_DECREF(row);
        if (failed) {
            goto fail;
        }
        PyObject *value = PyFloat_FromDouble((1.0 + log((double)runs[k].count)) * inverse);
        if (value == NULL) {
            goto fail;
        }
        failed = PyList_Append(values, value);
        Py_DECREF(value);
        if (failed) {
            goto fail;
        }
    }
    if (runs != local) {
        PyMem_Free(runs);
    }
    return 0;
fail:
    if (runs != local) {
        PyMem_Free(runs);
    }
    return -1;
}

/* Byte translation of task_words: digits to '0', upper case to lower, [a-z_] kept, else 0. */
static char word_byte[256];

static void init_word_bytes(void) {
    for (int c = 0; c < 256; c++) {
        char out = 0;
        if (c >= '0' && c <= '9') {
            out = '0';
        } else if (c >= 'A' && c <= 'Z') {
            out = (char)(c + 32);
        } else if ((c >= 'a' && c <= 'z') || c == '_') {
            out = (char)c;
        }
        word_byte[c] = out;
    }
}

PyDoc_STRVAR(text_rows_doc,
             "text_rows(task, unigrams, bigrams, similar, idf2, n_rows)\n"
             "--\n\n"
             "Rows and factors of an ASCII task's text and similarity blocks, or None.\n\n"
             "``unigrams``, ``bigrams`` (keyed by the two words joined with a space) and\n"
             "``similar`` map a word to its row (None: not used); ``idf2`` is the list of\n"
             "squared idf per row and ``n_rows`` the number of rows of the matrix. Returns\n"
             "``([0, text rows..., similarity rows...], [1.0, factors...])``, each block's\n"
             "rows distinct and sorted, or None when the task is not ASCII.");

static PyObject *text_rows(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    (void)module;
    if (nargs != 6) {
        PyErr_SetString(PyExc_TypeError, "text_rows() takes exactly 6 arguments");
        return NULL;
    }
    PyObject *task = args[0], *unigrams = args[1], *bigrams = args[2], *similar = args[3];
    PyObject *idf2 = args[4];
    if (!PyUnicode_Check(task) || !PyList_Check(idf2)) {
        PyErr_SetString(PyExc_TypeError, "text_rows() needs a str task and a list idf2");
        return NULL;
    }
    PyObject *dicts[3] = {unigrams, bigrams, similar};
    for (int d = 0; d < 3; d++) {
        if (dicts[d] != Py_None && !PyDict_Check(dicts[d])) {
            PyErr_SetString(PyExc_TypeError, "text_rows() needs dicts (or None) of rows");
            return NULL;
        }
    }
    Py_ssize_t n_rows = PyLong_AsSsize_t(args[5]);
    if (n_rows == -1 && PyErr_Occurred()) {
        return NULL;
    }
    if (PyUnicode_READY(task) < 0) {
        return NULL;
    }
    if (!PyUnicode_IS_ASCII(task)) {
        Py_RETURN_NONE;
    }
    const unsigned char *text = PyUnicode_1BYTE_DATA(task);
    Py_ssize_t length = PyUnicode_GET_LENGTH(task);
    int use_unigrams = unigrams != Py_None && PyDict_GET_SIZE(unigrams) > 0;
    int use_bigrams = bigrams != Py_None && PyDict_GET_SIZE(bigrams) > 0;
    int use_similar = similar != Py_None && PyDict_GET_SIZE(similar) > 0;

    /* the words, one after the other, each ended by a space: at most length + 1 bytes */
    char local_words[1024];
    char *words = local_words;
    if (length + 2 > (Py_ssize_t)sizeof(local_words)) {
        words = PyMem_Malloc((size_t)length + 2);
        if (words == NULL) {
            return PyErr_NoMemory();
        }
    }
    RowBuffer text_block, similar_block;
    rows_init(&text_block);
    rows_init(&similar_block);
    PyObject *rows = NULL, *values = NULL, *pair = NULL;
    PyObject *result = NULL;

    Py_ssize_t w = 0, word_start = 0, previous_start = -1, previous_length = 0;
    char last = 0; /* the last translated byte (0: a separator) */
    for (Py_ssize_t i = 0; i <= length; i++) {
        char c = i < length ? word_byte[text[i]] : 0;
        if (c != 0) {
            if (!(c == '0' && last == '0')) { /* a run of digits is one "0" */
                words[w++] = c;
            }
            last = c;
            continue;
        }
        last = 0;
        if (w == word_start) {
            continue; /* no word ends here */
        }
        Py_ssize_t word_length = w - word_start;
        PyObject *word = PyUnicode_FromStringAndSize(words + word_start, word_length);
        if (word == NULL) {
            goto done;
        }
        if ((use_unigrams && look_up(unigrams, word, &text_block, n_rows) < 0) ||
            (use_similar && look_up(similar, word, &similar_block, n_rows) < 0)) {
            Py_DECREF(word);
            goto done;
        }
        if (use_bigrams && previous_start >= 0) {
            /* the previous word, its space and this word are contiguous in `words` */
            pair = PyUnicode_FromStringAndSize(words + previous_start,
                                               previous_length + 1 + word_length);
            if (pair == NULL || look_up(bigrams, pair, &text_block, n_rows) < 0) {
                Py_DECREF(word);
                goto done;
            }
            Py_CLEAR(pair);
        }
        Py_DECREF(word);
        /* keep one slot after the word for the space of its bigram with the next word */
        previous_start = word_start;
        previous_length = word_length;
        words[w++] = ' ';
        word_start = w;
    }
    rows = PyList_New(1);
    values = PyList_New(1);
    if (rows == NULL || values == NULL) {
        goto done;
    }
    PyList_SET_ITEM(rows, 0, PyLong_FromLong(0));
    PyList_SET_ITEM(values, 0, PyFloat_FromDouble(1.0));
    if (PyList_GET_ITEM(rows, 0) == NULL || PyList_GET_ITEM(values, 0) == NULL) {
        goto done;
    }
    if (add_block_counts(&text_block, idf2, rows, values) < 0 ||
        add_block_counts(&similar_block, idf2, rows, values) < 0) {
        goto done;
    }
    result = PyTuple_Pack(2, rows, values);
done:
    Py_XDECREF(pair);
    Py_XDECREF(rows);
    Py_XDECREF(values);
    rows_free(&text_block);
    rows_free(&similar_block);
    if (words != local_words) {
        PyMem_Free(words);
    }
    return result;
}

static PyMethodDef speedups_methods[] = {
    {"text_rows", (PyCFunction)(void (*)(void))text_rows, METH_FASTCALL, text_rows_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef speedups_module = {
    PyModuleDef_HEAD_INIT,
    "scopecast.runtime._speedups",
    "The compact scorer's task-text features in C (see _speedups.c).",
    -1,
    speedups_methods,
    NULL,
    NULL,
    NULL,
    NULL,
};

PyMODINIT_FUNC PyInit__speedups(void) {
    init_word_bytes();
    return PyModule_Create(&speedups_module);
}
