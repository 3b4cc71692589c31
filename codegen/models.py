"""The structured-output contract: the pydantic models the model must answer with."""

from pydantic import BaseModel, Field


class GeneratedCode(BaseModel):
    """The function(s) that implement the prompt."""

    code: str = Field(description="Complete Python source of the function(s), with imports, type hints and docstrings.")


class ProgramRunner(BaseModel):
    """A `main()` that exercises the functions, plus the `__main__` guard."""

    main_function_code: str = Field(
        description="Python source of `def main()` and the `if __name__ == \"__main__\":` guard. "
        "It calls the given functions, defines none of them and has no imports."
    )


class UnitTest(BaseModel):
    """A complete unittest file for the functions."""

    test_code: str = Field(
        description="A complete Python unittest file: imports, unittest.TestCase classes with normal, edge and "
        "error cases, descriptive test_* names, self.assert* assertions, and a __main__ block."
    )
