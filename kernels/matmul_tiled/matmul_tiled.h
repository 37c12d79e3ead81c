/* matmul_tiled shares matmul's contract and args: see ../matmul/matmul.h. */
#ifndef CHORD_MATMUL_TILED_H
#define CHORD_MATMUL_TILED_H

#include "../matmul/matmul.h"

#endif
