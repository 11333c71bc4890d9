# Links the Python package's sources (python/colonies/*.py, py.typed) into
# the build tree's package, beside the extension the build makes there, so
# that each build directory holds a whole package and builds never write into
# the source tree. Run as: cmake -DSRC=... -DDST=... -P link_sources.cmake
file(GLOB sources RELATIVE "${SRC}" "${SRC}/*.py" "${SRC}/py.typed")
file(MAKE_DIRECTORY "${DST}")
foreach(f ${sources})
  if(NOT IS_SYMLINK "${DST}/${f}")
    file(REMOVE "${DST}/${f}")
    file(CREATE_LINK "${SRC}/${f}" "${DST}/${f}" SYMBOLIC)
  endif()
endforeach()
