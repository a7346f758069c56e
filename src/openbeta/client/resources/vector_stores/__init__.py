from .file_batches import AsyncFileBatches, FileBatches
from .files import AsyncVectorStoreFiles, VectorStoreFiles
from .vector_stores import AsyncVectorStores, VectorStores

__all__ = ["AsyncFileBatches", "AsyncVectorStoreFiles", "AsyncVectorStores", "FileBatches", "VectorStoreFiles",
           "VectorStores"]
