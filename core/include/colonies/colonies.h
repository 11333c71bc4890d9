/*
 * libcolonies: a client SDK for ColonyOS (Colonies).
 *
 * Include this header; link with -lcolonies (pkg-config colonies).
 */
#ifndef COLONIES_H
#define COLONIES_H

#include "colonies/common.h"
#include "colonies/crypto.h"
#include "colonies/enums.h"
#include "colonies/executor.h"
#include "colonies/client.h"
#include "colonies/funcspec.h"
#include "colonies/json.h"
#include "colonies/registry.h"
#include "colonies/workflow.h"

#endif
