"""Need to Know KB: a searchable knowledge base of the CIAOPS Need to Know podcast and write-ups."""
