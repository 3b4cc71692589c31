from typing import List

# compute the moving average of a time series with a window


def main():
    print("already here")


if __name__ == "__main__":
    main()
