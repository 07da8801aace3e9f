// The system zlib (gzip for rotated log files and HTTP bodies).
#ifndef TRAIL_CZLIB_SHIM_H
#define TRAIL_CZLIB_SHIM_H
#include <zlib.h>
#endif
