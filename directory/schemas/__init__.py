"""marshmallow schemas: validation of what comes in, shapes of what goes out."""
