# cmake -DIN=page -DOUT=page.gz -P gzip-page.cmake: a man page compressed as Debian installs
# them (cmake -E has no plain gzip; a "raw" archive with gzip compression is one).
file(ARCHIVE_CREATE OUTPUT "${OUT}" PATHS "${IN}" FORMAT raw COMPRESSION GZip
     COMPRESSION_LEVEL 9)
