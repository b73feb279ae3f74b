# Runs PPMpiTransportCheck in a failure mode under mpirun and checks how the
# job ends: within LIMIT seconds, with a non-zero status, and with every
# surviving rank's activity line on stderr (printed by the MPI transport's
# SIGTERM handler when mpirun stops the job).
#
#   cmake -DMPIEXEC=mpirun -DNUMPROC_FLAG=-np -DOPENMPI=ON -DPROGRAM=... \
#         -DMODE=abort|sigkill -DNP=4 -DFAILING=2 -DLIMIT=10 \
#         -P RunMpiFailure.cmake

set(command ${MPIEXEC})
if(OPENMPI)
  # --timeout: mpirun kills a job that outlives the limit (exit status 110),
  # so that a hang fails here instead of leaving ranks behind.
  list(APPEND command --allow-run-as-root --oversubscribe --timeout ${LIMIT})
endif()
list(APPEND command ${NUMPROC_FLAG} ${NP} ${PROGRAM} ${MODE})

string(TIMESTAMP start "%s")
math(EXPR outer "${LIMIT} + 20")
execute_process(COMMAND ${command}
  RESULT_VARIABLE status
  OUTPUT_VARIABLE out
  ERROR_VARIABLE err
  TIMEOUT ${outer})
string(TIMESTAMP end "%s")
math(EXPR elapsed "${end} - ${start}")

string(REPLACE ";" " " shown "${command}")
message("${shown}\nexit status: ${status}, about ${elapsed} s\n"
        "--- stdout ---\n${out}--- stderr ---\n${err}--------------")

set(all "${out}${err}")
if(NOT status MATCHES "^[0-9]+$")
  message(FATAL_ERROR "the job did not end by itself: ${status}")
endif()
if(status EQUAL 0)
  message(FATAL_ERROR "the job succeeded; rank ${FAILING} should have made "
                      "it fail")
endif()
if(status EQUAL 110 OR all MATCHES "time limit for job execution")
  message(FATAL_ERROR "the job hung until mpirun's --timeout of ${LIMIT} s")
endif()
if(elapsed GREATER LIMIT)
  message(FATAL_ERROR "the job took ${elapsed} s, more than ${LIMIT} s")
endif()

math(EXPR last "${NP} - 1")
foreach(rank RANGE ${last})
  if(rank EQUAL FAILING)
    continue()
  endif()
  set(line "stage ${rank}: receiving activations of microbatch 0 at boundary")
  string(APPEND line " ${FAILING} from stage ${FAILING} \\(stopped by SIGTERM\\)")
  if(NOT err MATCHES "${line}")
    message(FATAL_ERROR "no activity line of stage ${rank} on stderr")
  endif()
endforeach()
if(MODE STREQUAL "abort" AND
   NOT err MATCHES "stage ${FAILING}: failing on purpose")
  message(FATAL_ERROR "stage ${FAILING} did not report its failure")
endif()
message("ok")
