/* tg_version.h - the one version string of tgproducer and tgcount.  The
 * build may set another with -DTG_VERSION=\"x.y.z\". */
#ifndef TG_VERSION_H
#define TG_VERSION_H

#ifndef TG_VERSION
#define TG_VERSION "0.1.0"
#endif

#endif
