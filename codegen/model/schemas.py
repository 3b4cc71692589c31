"""The structured-output contract: the pydantic models the model must answer with."""

from pydantic import BaseModel, Field


class GeneratedCode(BaseModel):
    """The function(s) that implement the prompt."""

    code: str = Field(
        description=(
            "Complete Python source of the function(s), with imports, type hints and docstrings."
        )
    )


class ProgramRunner(BaseModel):
    """A `main()` that exercises the functions, plus the `__main__` guard."""

    main_function_code: str = Field(
        description=(
            'Python source of `def main()` and the `if __name__ == "__main__":` guard. '
            "It calls the given functions, defines none of them and has no imports."
        )
    )


class UnitTest(BaseModel):
    """A complete test file for the functions (unittest, or pytest when the instructions ask for
    it)."""

    test_code: str = Field(
        description=(
            "A complete Python test file: imports, normal, edge and error cases with descriptive"
            " test_* names; by default unittest.TestCase classes with self.assert* assertions and a"
            " __main__ block, or plain pytest functions with assert when the instructions ask for"
            " pytest."
        )
    )
