"""Articles → feed documents: entries rendered once as fragments, documents assembled from them."""
