// The XDR codec (RFC 4506) in one include: Encoder, Decoder, generic encode()/decode(),
// and the vectorized byte-order kernels behind arrays.
#pragma once

#include "xdr/codec.hpp"    // IWYU pragma: export
#include "xdr/decoder.hpp"  // IWYU pragma: export
#include "xdr/encoder.hpp"  // IWYU pragma: export
#include "xdr/error.hpp"    // IWYU pragma: export
#include "xdr/simd.hpp"     // IWYU pragma: export
#include "xdr/sink.hpp"     // IWYU pragma: export
#include "xdr/types.hpp"    // IWYU pragma: export
