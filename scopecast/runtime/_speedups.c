/*
 * scopecast.runtime._speedups: the compact scorer's task-text features in C.
 *
 * A TextVocabulary holds, in C hash tables, the words and word pairs of a compact model
 * whose featurizer has the usual settings (word unigrams and bigrams, no character
 * n-grams), each with its rows in the model's matrix. Its method rows(task) does for an
 * ASCII task what scopecast.runtime._compact_rows.InputRows does in Python for the text and
 * similarity blocks:
 *
 * - the words of scopecast._task_tokens: ASCII lowercased, each run of digits one "0",
 *   maximal runs of [a-z0-9_] (an ASCII task has no letter of a script written without
 *   spaces, so both of its tokenizers give these words: the C code need not know which one
 *   the model uses);
 * - the rows of the unigrams and bigrams (text block) and of the similarity words;
 * - each block's sublinear TF-IDF factor at unit L2 norm: (1 + ln(count)) / norm, norm the
 *   square root of the sum of (1 + ln(count))^2 * idf^2 over the block's distinct rows
 *   (the idf itself is already in the matrix rows).
 *
 * No Python object is made per word: a word is hashed (FNV-1a) as it is read and looked up
 * in the table; a word pair is looked up by the positions of its two words. rows() returns
 * None for a task that is not ASCII, and the Python path then does the work. The two paths
 * give the same rows and factors up to the order of floating-point additions, which the
 * tests check on generated and random tasks.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define LOCAL_ROWS 128
/* What the Python side expects (scopecast/runtime/_speedups_loader.py); a module built from
   an older source has another number and is not used. */
#define SPEEDUPS_API_VERSION 1

/* ---- rows found in one task ------------------------------------------------------- */

typedef struct {
    Py_ssize_t *items;
    Py_ssize_t length;
    Py_ssize_t capacity;
    Py_ssize_t local[LOCAL_ROWS];
} RowBuffer;

static void rows_init(RowBuffer *buf) {
    buf->items = buf->local;
    buf->length = 0;
    buf->capacity = LOCAL_ROWS;
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

static int compare_rows(const void *a, const void *b) {
    Py_ssize_t x = *(const Py_ssize_t *)a, y = *(const Py_ssize_t *)b;
    return (x > y) - (x < y);
}

/* Sort the rows and fold repeats: rows[k] distinct, counts[k] its occurrences. */
static Py_ssize_t fold_repeats(RowBuffer *buf, Py_ssize_t *counts) {
    Py_ssize_t n = buf->length, n_distinct = 0;
    Py_ssize_t *rows = buf->items;
    /* insertion sort: a block holds tens of rows, most already in order of the text */
    if (n > 64) {
        qsort(rows, (size_t)n, sizeof(Py_ssize_t), compare_rows);
    } else {
        for (Py_ssize_t i = 1; i < n; i++) {
            Py_ssize_t row = rows[i], j = i;
            while (j > 0 && rows[j - 1] > row) {
                rows[j] = rows[j - 1];
                j--;
            }
            rows[j] = row;
        }
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        if (n_distinct > 0 && rows[n_distinct - 1] == rows[i]) {
            counts[n_distinct - 1]++;
        } else {
            rows[n_distinct] = rows[i];
            counts[n_distinct++] = 1;
        }
    }
    return n_distinct;
}

/* ---- the vocabulary --------------------------------------------------------------- */

typedef struct {
    uint64_t hash;
    Py_ssize_t offset; /* of the word's bytes in the pool; -1: empty slot */
    Py_ssize_t length;
    Py_ssize_t unigram; /* row, 0: none */
    Py_ssize_t similar; /* row, 0: none */
    Py_ssize_t id;      /* 1 + the word's position in the list given */
} WordSlot;

typedef struct {
    uint64_t key; /* (id of the first word << 32) | id of the second; 0: empty slot */
    Py_ssize_t row;
} PairSlot;

typedef struct {
    PyObject_HEAD
    char *pool;
    WordSlot *words;
    size_t word_mask;
    PairSlot *pairs;
    size_t pair_mask;
    double *idf_squared;
    Py_ssize_t n_rows;
    int ready; /* set once every table is built */
} TextVocabulary;

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

#define FNV_OFFSET 14695981039346656037ULL
#define FNV_PRIME 1099511628211ULL

static uint64_t fnv1a(const char *bytes, Py_ssize_t length) {
    uint64_t hash = FNV_OFFSET;
    for (Py_ssize_t i = 0; i < length; i++) {
        hash = (hash ^ (unsigned char)bytes[i]) * FNV_PRIME;
    }
    return hash;
}

static uint64_t mix(uint64_t key) { /* splitmix64's finaliser, for the pair keys */
    key ^= key >> 30;
    key *= 0xbf58476d1ce4e5b9ULL;
    key ^= key >> 27;
    key *= 0x94d049bb133111ebULL;
    return key ^ (key >> 31);
}

static size_t table_size(Py_ssize_t n) {
    size_t size = 16;
    while (size < (size_t)n * 2 + 1) {
        size <<= 1;
    }
    return size;
}

static const WordSlot *find_word(const TextVocabulary *v, const char *bytes, Py_ssize_t length,
                                 uint64_t hash) {
    for (size_t i = (size_t)hash & v->word_mask;; i = (i + 1) & v->word_mask) {
        const WordSlot *slot = &v->words[i];
        if (slot->offset < 0) {
            return NULL;
        }
        if (slot->hash == hash && slot->length == length &&
            memcmp(v->pool + slot->offset, bytes, (size_t)length) == 0) {
            return slot;
        }
    }
}

static Py_ssize_t find_pair(const TextVocabulary *v, uint64_t key) {
    for (size_t i = (size_t)mix(key) & v->pair_mask;; i = (i + 1) & v->pair_mask) {
        const PairSlot *slot = &v->pairs[i];
        if (slot->key == 0) {
            return 0;
        }
        if (slot->key == key) {
            return slot->row;
        }
    }
}

static void vocabulary_dealloc(TextVocabulary *self) {
    PyMem_Free(self->pool);
    PyMem_Free(self->words);
    PyMem_Free(self->pairs);
    PyMem_Free(self->idf_squared);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* A row given for the vocabulary: an int in [0, n_rows) (0: none); -1 and an error if not. */
static Py_ssize_t checked_row(PyObject *value, Py_ssize_t n_rows) {
    Py_ssize_t row = PyLong_AsSsize_t(value);
    if (row == -1 && PyErr_Occurred()) {
        return -1;
    }
    if (row < 0 || row >= n_rows) {
        PyErr_Format(PyExc_ValueError, "row %zd is outside the model's rows (0 to %zd)", row,
                     n_rows - 1);
        return -1;
    }
    return row;
}

static int fill_tables(TextVocabulary *self, PyObject *words, PyObject *pairs, PyObject *idf);

static int vocabulary_init(TextVocabulary *self, PyObject *args, PyObject *kwargs) {
    static char *keywords[] = {"words", "pairs", "idf_squared", NULL};
    PyObject *word_list, *pair_list, *idf_list;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O!O!O!:TextVocabulary", keywords,
                                     &PyList_Type, &word_list, &PyList_Type, &pair_list,
                                     &PyList_Type, &idf_list)) {
        return -1;
    }
    if (self->words != NULL || self->pairs != NULL || self->idf_squared != NULL ||
        self->pool != NULL) {
        PyErr_SetString(PyExc_RuntimeError, "TextVocabulary is already initialised");
        return -1;
    }
    /* tuples of our own: Python code run by a conversion below cannot resize them */
    PyObject *words = PyList_AsTuple(word_list);
    PyObject *pairs = PyList_AsTuple(pair_list);
    PyObject *idf = PyList_AsTuple(idf_list);
    int status = -1;
    if (words == NULL || pairs == NULL || idf == NULL) {
        goto done;
    }
    status = fill_tables(self, words, pairs, idf);
done:
    Py_XDECREF(words);
    Py_XDECREF(pairs);
    Py_XDECREF(idf);
    return status;
}

/* Build the tables from tuples: words (bytes, unigram row, similar row), pairs (first,
   second, row) and the squared idf of each row. 0, or -1 with an exception set. */
static int fill_tables(TextVocabulary *self, PyObject *words, PyObject *pairs, PyObject *idf) {
    Py_ssize_t n_rows = PyTuple_GET_SIZE(idf), n_words = PyTuple_GET_SIZE(words);
    Py_ssize_t n_pairs = PyTuple_GET_SIZE(pairs);
    if (n_words >= ((Py_ssize_t)1 << 31)) {
        PyErr_SetString(PyExc_ValueError, "too many words for a TextVocabulary");
        return -1;
    }
    self->n_rows = n_rows;
    self->idf_squared = PyMem_Malloc((size_t)(n_rows > 0 ? n_rows : 1) * sizeof(double));
    self->word_mask = table_size(n_words) - 1;
    self->words = PyMem_Malloc((self->word_mask + 1) * sizeof(WordSlot));
    self->pair_mask = table_size(n_pairs) - 1;
    self->pairs = PyMem_Calloc(self->pair_mask + 1, sizeof(PairSlot));
    if (self->idf_squared == NULL || self->words == NULL || self->pairs == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t r = 0; r < n_rows; r++) {
        double value = PyFloat_AsDouble(PyTuple_GET_ITEM(idf, r));
        if (value == -1.0 && PyErr_Occurred()) {
            return -1;
        }
        self->idf_squared[r] = value;
    }
    for (size_t i = 0; i <= self->word_mask; i++) {
        self->words[i].offset = -1;
    }
    Py_ssize_t pool_size = 0;
    for (Py_ssize_t k = 0; k < n_words; k++) {
        PyObject *item = PyTuple_GET_ITEM(words, k);
        if (!PyTuple_Check(item) || PyTuple_GET_SIZE(item) != 3 ||
            !PyBytes_Check(PyTuple_GET_ITEM(item, 0))) {
            PyErr_SetString(PyExc_TypeError, "words must be (bytes, unigram row, similar row)");
            return -1;
        }
        pool_size += PyBytes_GET_SIZE(PyTuple_GET_ITEM(item, 0));
    }
    self->pool = PyMem_Malloc((size_t)(pool_size > 0 ? pool_size : 1));
    if (self->pool == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    Py_ssize_t offset = 0;
    for (Py_ssize_t k = 0; k < n_words; k++) {
        PyObject *item = PyTuple_GET_ITEM(words, k);
        PyObject *word = PyTuple_GET_ITEM(item, 0);
        Py_ssize_t length = PyBytes_GET_SIZE(word);
        Py_ssize_t unigram = checked_row(PyTuple_GET_ITEM(item, 1), n_rows);
        Py_ssize_t similar = unigram < 0 ? -1 : checked_row(PyTuple_GET_ITEM(item, 2), n_rows);
        if (similar < 0) {
            return -1;
        }
        const char *bytes = PyBytes_AS_STRING(word);
        uint64_t hash = fnv1a(bytes, length);
        if (find_word(self, bytes, length, hash) != NULL) {
            PyErr_Format(PyExc_ValueError, "the word %R is given twice", word);
            return -1;
        }
        memcpy(self->pool + offset, bytes, (size_t)length);
        size_t i = (size_t)hash & self->word_mask;
        while (self->words[i].offset >= 0) {
            i = (i + 1) & self->word_mask;
        }
        self->words[i] = (WordSlot){hash, offset, length, unigram, similar, k + 1};
        offset += length;
    }
    for (Py_ssize_t k = 0; k < n_pairs; k++) {
        PyObject *item = PyTuple_GET_ITEM(pairs, k);
        if (!PyTuple_Check(item) || PyTuple_GET_SIZE(item) != 3) {
            PyErr_SetString(PyExc_TypeError, "pairs must be (first word, second word, row)");
            return -1;
        }
        Py_ssize_t first = PyLong_AsSsize_t(PyTuple_GET_ITEM(item, 0));
        if (first == -1 && PyErr_Occurred()) {
            return -1;
        }
        Py_ssize_t second = PyLong_AsSsize_t(PyTuple_GET_ITEM(item, 1));
        if (second == -1 && PyErr_Occurred()) {
            return -1;
        }
        if (first < 0 || first >= n_words || second < 0 || second >= n_words) {
            PyErr_Format(PyExc_ValueError, "pair (%zd, %zd) names a word not given", first,
                         second);
            return -1;
        }
        Py_ssize_t row = checked_row(PyTuple_GET_ITEM(item, 2), n_rows);
        if (row < 0) {
            return -1;
        }
        uint64_t key = ((uint64_t)(first + 1) << 32) | (uint64_t)(second + 1);
        size_t i = (size_t)mix(key) & self->pair_mask;
        while (self->pairs[i].key != 0 && self->pairs[i].key != key) {
            i = (i + 1) & self->pair_mask;
        }
        self->pairs[i] = (PairSlot){key, row};
    }
    self->ready = 1;
    return 0;
}

PyDoc_STRVAR(rows_doc,
             "rows(task, /)\n"
             "--\n\n"
             "``([0, text rows..., similarity rows...], [1.0, factors...])`` of an ASCII\n"
             "task (each block's rows distinct and sorted), or None if it is not ASCII.");

/* The rows of an ASCII task's two blocks into `text_block` and `similar_block`.
   Returns 1 if found, 0 if the task is not ASCII, -1 on error. */
static int scan_task(const TextVocabulary *self, PyObject *task, RowBuffer *text_block,
                     RowBuffer *similar_block) {
    if (!PyUnicode_Check(task)) {
        PyErr_SetString(PyExc_TypeError, "the task must be a str");
        return -1;
    }
    if (!self->ready) {
        PyErr_SetString(PyExc_RuntimeError, "TextVocabulary was not initialised");
        return -1;
    }
#if PY_VERSION_HEX < 0x030C0000
    if (PyUnicode_READY(task) < 0) {
        return -1;
    }
#endif
    if (!PyUnicode_IS_ASCII(task)) {
        return 0;
    }
    const unsigned char *text = PyUnicode_1BYTE_DATA(task);
    Py_ssize_t length = PyUnicode_GET_LENGTH(task);
    char local_word[256];
    char *word = local_word; /* the translated bytes of the current word */
    if (length + 1 > (Py_ssize_t)sizeof(local_word)) {
        word = PyMem_Malloc((size_t)length + 1);
        if (word == NULL) {
            PyErr_NoMemory();
            return -1;
        }
    }
    int status = 1;
    Py_ssize_t w = 0, previous_id = 0; /* previous_id: 0 when the last word is unknown */
    uint64_t hash = FNV_OFFSET;
    char last = 0;
    for (Py_ssize_t i = 0; i <= length; i++) {
        char c = i < length ? word_byte[text[i]] : 0;
        if (c != 0) {
            if (!(c == '0' && last == '0')) { /* a run of digits is one "0" */
                word[w++] = c;
                hash = (hash ^ (unsigned char)c) * FNV_PRIME;
            }
            last = c;
            continue;
        }
        last = 0;
        if (w == 0) {
            continue;
        }
        const WordSlot *slot = find_word(self, word, w, hash);
        w = 0;
        hash = FNV_OFFSET;
        if (slot == NULL) {
            previous_id = 0;
            continue;
        }
        if ((slot->unigram && rows_append(text_block, slot->unigram) < 0) ||
            (slot->similar && rows_append(similar_block, slot->similar) < 0)) {
            status = -1;
            break;
        }
        if (previous_id) {
            Py_ssize_t row = find_pair(self, ((uint64_t)previous_id << 32) | (uint64_t)slot->id);
            if (row && rows_append(text_block, row) < 0) {
                status = -1;
                break;
            }
        }
        previous_id = slot->id;
    }
    if (word != local_word) {
        PyMem_Free(word);
    }
    return status;
}

/* A block's distinct rows (in place, first n) and factors; the number of rows, -1 on error. */
static Py_ssize_t block_factors(const TextVocabulary *v, RowBuffer *buf, double **factors) {
    *factors = NULL;
    if (buf->length == 0) {
        return 0;
    }
    Py_ssize_t *counts = PyMem_Malloc((size_t)buf->length * sizeof(Py_ssize_t));
    double *out = PyMem_Malloc((size_t)buf->length * sizeof(double));
    if (counts == NULL || out == NULL) {
        PyMem_Free(counts);
        PyMem_Free(out);
        PyErr_NoMemory();
        return -1;
    }
    Py_ssize_t n = fold_repeats(buf, counts);
    double square = 0.0;
    for (Py_ssize_t k = 0; k < n; k++) {
        out[k] = 1.0 + log((double)counts[k]);
        square += out[k] * out[k] * v->idf_squared[buf->items[k]];
    }
    double inverse = square > 0.0 ? 1.0 / sqrt(square) : 0.0;
    for (Py_ssize_t k = 0; k < n; k++) {
        out[k] *= inverse;
    }
    PyMem_Free(counts);
    *factors = out;
    return n;
}

/* Append a block's rows and factors to the two lists; -1 on error. */
static int append_block(const RowBuffer *buf, Py_ssize_t n, const double *factors,
                        PyObject *rows, PyObject *values) {
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *row = PyLong_FromSsize_t(buf->items[k]);
        PyObject *value = PyFloat_FromDouble(factors[k]);
        int failed = row == NULL || value == NULL || PyList_Append(rows, row) < 0 ||
                     PyList_Append(values, value) < 0;
        Py_XDECREF(row);
        Py_XDECREF(value);
        if (failed) {
            return -1;
        }
    }
    return 0;
}

/* A task's two blocks: their distinct rows and factors. */
typedef struct {
    RowBuffer text, similar;
    double *text_factors, *similar_factors;
    Py_ssize_t n_text, n_similar;
} TaskBlocks;

static void blocks_init(TaskBlocks *blocks) {
    rows_init(&blocks->text);
    rows_init(&blocks->similar);
    blocks->text_factors = blocks->similar_factors = NULL;
    blocks->n_text = blocks->n_similar = 0;
}

static void blocks_free(TaskBlocks *blocks) {
    PyMem_Free(blocks->text_factors);
    PyMem_Free(blocks->similar_factors);
    rows_free(&blocks->text);
    rows_free(&blocks->similar);
}

/* Fill `blocks` for `task`: 1 if found, 0 if the task is not ASCII, -1 on error. */
static int task_blocks(const TextVocabulary *self, PyObject *task, TaskBlocks *blocks) {
    int found = scan_task(self, task, &blocks->text, &blocks->similar);
    if (found <= 0) {
        return found;
    }
    blocks->n_text = block_factors(self, &blocks->text, &blocks->text_factors);
    if (blocks->n_text < 0) {
        return -1;
    }
    blocks->n_similar = block_factors(self, &blocks->similar, &blocks->similar_factors);
    return blocks->n_similar < 0 ? -1 : 1;
}

static PyObject *vocabulary_rows(TextVocabulary *self, PyObject *task) {
    TaskBlocks blocks;
    blocks_init(&blocks);
    PyObject *rows = NULL, *values = NULL, *result = NULL;
    int found = task_blocks(self, task, &blocks);
    if (found <= 0) {
        if (found == 0) {
            result = Py_NewRef(Py_None);
        }
        goto done;
    }
    rows = Py_BuildValue("[i]", 0);
    values = Py_BuildValue("[d]", 1.0);
    if (rows == NULL || values == NULL ||
        append_block(&blocks.text, blocks.n_text, blocks.text_factors, rows, values) < 0 ||
        append_block(&blocks.similar, blocks.n_similar, blocks.similar_factors, rows, values) <
            0) {
        goto done;
    }
    result = PyTuple_Pack(2, rows, values);
done:
    Py_XDECREF(rows);
    Py_XDECREF(values);
    blocks_free(&blocks);
    return result;
}

/* out += factor * matrix[row]; the row checked against the matrix's height. */
static int add_row(const double *matrix, Py_ssize_t height, Py_ssize_t width, Py_ssize_t row,
                   double factor, double *out) {
    if (row < 0 || row >= height) {
        PyErr_Format(PyExc_IndexError, "row %zd is outside the matrix (%zd rows)", row, height);
        return -1;
    }
    const double *source = matrix + row * width;
    for (Py_ssize_t j = 0; j < width; j++) {
        out[j] += factor * source[j];
    }
    return 0;
}

PyDoc_STRVAR(linear_doc,
             "linear(task, indicator_rows, progress_row, progress_value, matrix, out, /)\n"
             "--\n\n"
             "Write into ``out`` the task's rows of ``matrix`` times their factors, summed:\n"
             "row 0 (the intercept), the text block, the ``indicator_rows`` (a list of\n"
             "ints, factor 1), the similarity block, and ``progress_row`` (0: none) times\n"
             "``progress_value``. ``matrix`` is C-contiguous float64 of shape (rows, m) and\n"
             "``out`` writable float64 of length m. Returns False, writing nothing, if the\n"
             "task is not ASCII.");

static PyObject *vocabulary_linear(TextVocabulary *self, PyObject *const *args,
                                   Py_ssize_t nargs) {
    if (nargs != 6) {
        PyErr_SetString(PyExc_TypeError, "linear() takes exactly 6 arguments");
        return NULL;
    }
    PyObject *indicators = args[1];
    if (!PyList_Check(indicators)) {
        PyErr_SetString(PyExc_TypeError, "indicator_rows must be a list of ints");
        return NULL;
    }
    Py_ssize_t progress_row = PyLong_AsSsize_t(args[2]);
    if (progress_row == -1 && PyErr_Occurred()) {
        return NULL;
    }
    double progress_value = PyFloat_AsDouble(args[3]);
    if (progress_value == -1.0 && PyErr_Occurred()) {
        return NULL;
    }
    Py_buffer matrix, out;
    if (PyObject_GetBuffer(args[4], &matrix, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) {
        return NULL;
    }
    if (PyObject_GetBuffer(args[5], &out, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | PyBUF_WRITABLE) <
        0) {
        PyBuffer_Release(&matrix);
        return NULL;
    }
    TaskBlocks blocks;
    blocks_init(&blocks);
    PyObject *result = NULL;
    if (matrix.ndim != 2 || strcmp(matrix.format, "d") != 0 || out.ndim != 1 ||
        strcmp(out.format, "d") != 0 || out.shape[0] != matrix.shape[1]) {
        PyErr_SetString(PyExc_ValueError,
                        "linear() needs a 2-D float64 matrix and a float64 out of its width");
        goto done;
    }
    int found = task_blocks(self, args[0], &blocks);
    if (found <= 0) {
        if (found == 0) {
            result = Py_NewRef(Py_False);
        }
        goto done;
    }
    const double *m = matrix.buf;
    double *z = out.buf;
    Py_ssize_t height = matrix.shape[0], width = matrix.shape[1];
    for (Py_ssize_t j = 0; j < width; j++) {
        z[j] = 0.0;
    }
    if (add_row(m, height, width, 0, 1.0, z) < 0) {
        goto done;
    }
    for (Py_ssize_t k = 0; k < blocks.n_text; k++) {
        if (add_row(m, height, width, blocks.text.items[k], blocks.text_factors[k], z) < 0) {
            goto done;
        }
    }
    for (Py_ssize_t k = 0; k < PyList_GET_SIZE(indicators); k++) {
        Py_ssize_t row = PyLong_AsSsize_t(PyList_GET_ITEM(indicators, k));
        if ((row == -1 && PyErr_Occurred()) || add_row(m, height, width, row, 1.0, z) < 0) {
            goto done;
        }
    }
    for (Py_ssize_t k = 0; k < blocks.n_similar; k++) {
        if (add_row(m, height, width, blocks.similar.items[k], blocks.similar_factors[k], z) <
            0) {
            goto done;
        }
    }
    if (progress_row != 0 && add_row(m, height, width, progress_row, progress_value, z) < 0) {
        goto done;
    }
    result = Py_NewRef(Py_True);
done:
    PyBuffer_Release(&matrix);
    PyBuffer_Release(&out);
    blocks_free(&blocks);
    return result;
}

static PyMethodDef vocabulary_methods[] = {
    {"rows", (PyCFunction)vocabulary_rows, METH_O, rows_doc},
    {"linear", (PyCFunction)(void (*)(void))vocabulary_linear, METH_FASTCALL, linear_doc},
    {NULL, NULL, 0, NULL},
};

PyDoc_STRVAR(vocabulary_doc,
             "TextVocabulary(words, pairs, idf_squared)\n"
             "--\n\n"
             "The words and word pairs of a compact model, with their rows, in C tables.\n\n"
             "``words``: ``(ascii bytes, unigram row, similarity row)`` per word (row 0:\n"
             "none); ``pairs``: ``(first word, second word, row)`` per bigram, the words by\n"
             "their position in ``words``; ``idf_squared``: the squared idf of each row of\n"
             "the matrix (its length is the number of rows).");

static PyTypeObject TextVocabularyType = {
    PyVarObject_HEAD_INIT(NULL, 0) /* the macro ends with a comma */
    .tp_name = "scopecast.runtime._speedups.TextVocabulary",
    .tp_basicsize = sizeof(TextVocabulary),
    .tp_dealloc = (destructor)vocabulary_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = vocabulary_doc,
    .tp_methods = vocabulary_methods,
    .tp_init = (initproc)vocabulary_init,
    .tp_new = PyType_GenericNew,
};

static struct PyModuleDef speedups_module = {
    PyModuleDef_HEAD_INIT,
    "scopecast.runtime._speedups",
    "The compact scorer's task-text features in C (see _speedups.c).",
    -1,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
};

PyMODINIT_FUNC PyInit__speedups(void) {
    init_word_bytes();
    if (PyType_Ready(&TextVocabularyType) < 0) {
        return NULL;
    }
    PyObject *module = PyModule_Create(&speedups_module);
    if (module == NULL) {
        return NULL;
    }
    if (PyModule_AddIntConstant(module, "API_VERSION", SPEEDUPS_API_VERSION) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    Py_INCREF(&TextVocabularyType);
    if (PyModule_AddObject(module, "TextVocabulary", (PyObject *)&TextVocabularyType) < 0) {
        Py_DECREF(&TextVocabularyType);
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
