#ifndef MERIDIAN_CNATS_SHIM_H
#define MERIDIAN_CNATS_SHIM_H
#include <nats/nats.h>
#endif
