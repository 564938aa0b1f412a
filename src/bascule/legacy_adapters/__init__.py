"""Legacy adapters: copybook parser, decoders and the PROGRES reader (frames + rejects)."""
