           -- (2.13 and later, like the created-before policies that need it) when the chunk was created
           ch.creation_time
