/* A helper shared by the demos of a book-like tree, two folders up. */
#ifndef KLIB_H
#define KLIB_H
int klib_answer(void);
#endif
